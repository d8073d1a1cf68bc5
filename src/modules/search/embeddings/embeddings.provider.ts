/**
 * Turns texts into vectors for semantic search. An abstract class so it is also the Nest
 * injection token: inject `EmbeddingsProvider`, get the OpenAI-compatible client when
 * `EMBEDDINGS_URL` is set and the disabled one otherwise.
 *
 * Failures surface as `EmbeddingsUnavailableError` (see `embeddings.errors.ts`).
 */
export abstract class EmbeddingsProvider {
  /** False when no provider is configured: every `embed*` call then throws. */
  abstract readonly enabled: boolean;
  /** Length of every vector returned (`EMBEDDINGS_DIMENSIONS`). */
  abstract readonly dimensions: number;

  /** One vector per text, in the order of `texts`. */
  abstract embed(texts: string[]): Promise<number[][]>;

  /** The vector of one search query. */
  abstract embedQuery(text: string): Promise<number[]>;
}
