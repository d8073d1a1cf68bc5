/** Why an embeddings call failed. Decides whether the call is retried and whether it trips the breaker. */
export type EmbeddingsFailureReason =
  /** No answer within `EMBEDDINGS_TIMEOUT_MS`. Retried. */
  | 'timeout'
  /** Connection refused or reset, DNS failure. Retried. */
  | 'network'
  /** HTTP 429. Retried, after `Retry-After` when the provider sends it. */
  | 'rate_limited'
  /** HTTP 5xx. Retried. */
  | 'server_error'
  /** Any other non-2xx status (400, 401, 404...): the request or the setup is wrong. Not retried. */
  | 'rejected'
  /** A 2xx answer that is not an OpenAI embeddings list for the texts sent. Not retried. */
  | 'invalid_response'
  /** The vectors do not have `EMBEDDINGS_DIMENSIONS` entries. Not retried. */
  | 'dimension_mismatch'
  /** The circuit breaker is open after consecutive failures: no request was sent. */
  | 'circuit_open'
  /** This client used its share of paid provider calls for now: no request was sent. */
  | 'client_limit'
  /** No provider is configured (`EMBEDDINGS_PROVIDER=none`). */
  | 'not_configured';

const RETRYABLE: ReadonlySet<EmbeddingsFailureReason> = new Set([
  'timeout',
  'network',
  'rate_limited',
  'server_error',
]);

/**
 * Semantic search cannot get embeddings right now. Callers degrade on it (hybrid search
 * falls back to keyword search); it is not an API error by itself.
 */
export class EmbeddingsUnavailableError extends Error {
  constructor(
    readonly reason: EmbeddingsFailureReason,
    message: string,
    readonly details: { status?: number; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
  }

  /** HTTP status from the provider, when there was an answer. */
  get status(): number | undefined {
    return this.details.status;
  }

  /** The wait the provider asked for (`Retry-After` / `retry-after-ms`), in ms. */
  get retryAfterMs(): number | undefined {
    return this.details.retryAfterMs;
  }

  /** Transient failures (429, 5xx, network, timeout) are retried and count towards the breaker. */
  get retryable(): boolean {
    return RETRYABLE.has(this.reason);
  }
}

/**
 * No embeddings provider is configured. A subclass of `EmbeddingsUnavailableError`, so one
 * `catch` covers the hybrid fallback; check `EmbeddingsProvider.enabled` first to answer
 * `mode=semantic` with a 400.
 */
export class EmbeddingsNotConfiguredError extends EmbeddingsUnavailableError {
  constructor() {
    super(
      'not_configured',
      'Semantic search is not available: it is turned off (EMBEDDINGS_PROVIDER=none).',
    );
  }
}
