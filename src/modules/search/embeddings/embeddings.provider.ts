/** What readiness reports about the provider. */
export interface ProviderHealth {
  status: 'ok' | 'failing' | 'disabled';
  detail: string;
}

/**
 * Turns texts into vectors for semantic search. An abstract class so it is also the Nest
 * injection token: inject `EmbeddingsProvider`, get the one `EMBEDDINGS_PROVIDER` selects
 * (`local` built-in word vectors by default, `openai` for any OpenAI-compatible server,
 * `none`).
 *
 * The vector size is not configured: it is whatever the provider answers, stored with each
 * vector together with `model`, and vectors of different models are never compared.
 *
 * Failures surface as `EmbeddingsUnavailableError` (see `embeddings.errors.ts`).
 */
export abstract class EmbeddingsProvider {
  abstract readonly kind: 'local' | 'openai' | 'none';
  /** False when semantic search is off (`none`): every `embed*` call then throws. */
  abstract readonly enabled: boolean;
  /** True when each call may cost money (a remote provider): spending guards apply. */
  abstract readonly paid: boolean;
  /** Names the vector space: stored with each vector; another model's vectors are never mixed in. */
  abstract readonly model: string;
  /** `EMBEDDINGS_DIMENSIONS` when set (a request for shorter vectors), else null. */
  abstract readonly requestedDimensions: number | null;

  /** One vector per text, in the order of `texts`; all of one length. */
  abstract embed(texts: string[]): Promise<number[][]>;

  /** The vector of one search query. */
  abstract embedQuery(text: string): Promise<number[]>;

  /** For readiness details and the start-up log. */
  abstract health(): ProviderHealth;

  /** Loads what the provider needs, in the background. */
  warmUp(): void {}
}
