import { Logger } from '@nestjs/common';
import {
  ConsecutiveBreaker,
  ExponentialBackoff,
  IBackoff,
  IBackoffFactory,
  IPolicy,
  IRetryBackoffContext,
  TimeoutStrategy,
  circuitBreaker,
  handleWhen,
  isBrokenCircuitError,
  retry,
  timeout,
  wrap,
} from 'cockatiel';
import type { Counter } from 'prom-client';
import { MetricsService } from '../../../metrics/metrics.service';
import { EmbeddingsUnavailableError } from './embeddings.errors';
import { EmbeddingsProvider, ProviderHealth } from './embeddings.provider';

/** The connection settings: `AppConfig['embeddings']` with the URL known to be set. */
export interface OpenAiEmbeddingsOptions {
  /** Base URL of an OpenAI-compatible API, without the trailing `/embeddings`. */
  url: string;
  model: string;
  /** Sent as `Authorization: Bearer …` when set (local servers need none). */
  apiKey?: string;
  /**
   * `EMBEDDINGS_DIMENSIONS`: asked for when set (models that can shorten their vectors do).
   * Never enforced: the size is learnt from the answers.
   */
  dimensions?: number;
  /** Limit for one HTTP attempt, retries not included. */
  timeoutMs: number;
  /**
   * Send `dimensions` in the request body when it is set (default true). OpenAI's
   * `text-embedding-3-*` shorten their vectors to it; vLLM answers 400 for a model that
   * cannot, so set it to false there (or leave `dimensions` unset).
   */
  sendDimensions?: boolean;
}

/** Resilience settings; the defaults suit production, tests shorten them. */
export interface EmbeddingsPolicyOptions {
  /** Retries after the first attempt, for 429, 5xx, network errors and timeouts. Default 3. */
  maxRetries: number;
  /** First backoff of the exponential, jittered series. Default 100 ms. */
  initialBackoffMs: number;
  /** Largest backoff. Default 2 s. */
  maxBackoffMs: number;
  /** Largest wait honoured from a `Retry-After` header. Default 2 s. */
  retryAfterCapMs: number;
  /** Consecutive failed attempts that open the circuit. Default 5. */
  breakerThreshold: number;
  /** How long the circuit stays open before one trial request. Default 10 s. */
  halfOpenAfterMs: number;
  /** Texts per HTTP request; larger inputs are split. Default 32 (TEI's default limit). */
  maxBatchSize: number;
}

const DEFAULT_POLICY: EmbeddingsPolicyOptions = {
  maxRetries: 3,
  initialBackoffMs: 100,
  maxBackoffMs: 2_000,
  retryAfterCapMs: 2_000,
  breakerThreshold: 5,
  halfOpenAfterMs: 10_000,
  maxBatchSize: 32,
};

export type EmbeddingsOutcome = 'ok' | 'retry' | 'failure' | 'circuit_open';

/**
 * Embeddings from any OpenAI-compatible `POST /embeddings` (OpenAI, Ollama, vLLM, TEI,
 * LiteLLM...). Each attempt has a timeout; 429, 5xx, network errors and timeouts are
 * retried with exponential backoff and jitter; a circuit breaker counts failed attempts
 * and, once open, fails calls at once without a request until a trial call succeeds.
 *
 * Policy order, outermost first: retry → circuit breaker → timeout. The breaker sees every
 * attempt, so a dead provider opens it within two calls, and a retry never goes through an
 * open circuit.
 */
export class OpenAiEmbeddingsProvider extends EmbeddingsProvider {
  readonly kind = 'openai';
  readonly enabled = true;
  readonly paid = true;
  readonly model: string;
  readonly requestedDimensions: number | null;
  /** The size the provider answers, learnt from its first answer. */
  learntDimensions: number | null = null;
  /** Why the provider is failing, while it is (circuit open); for readiness details. */
  private failing: string | undefined;

  private readonly logger = new Logger(OpenAiEmbeddingsProvider.name);
  private readonly endpoint: string;
  private readonly headers: Record<string, string>;
  private readonly policy: IPolicy;
  private readonly outcomes: Counter<'outcome'>;
  private readonly settings: EmbeddingsPolicyOptions;

  constructor(
    private readonly options: OpenAiEmbeddingsOptions,
    metrics: MetricsService,
    policy: Partial<EmbeddingsPolicyOptions> = {},
  ) {
    super();
    this.model = options.model;
    this.requestedDimensions = options.dimensions ?? null;
    this.settings = { ...DEFAULT_POLICY, ...policy };
    this.endpoint = `${options.url.replace(/\/+$/, '')}/embeddings`;
    this.headers = {
      'Content-Type': 'application/json',
      Accept: 'application/json',
      ...(options.apiKey ? { Authorization: `Bearer ${options.apiKey}` } : {}),
    };
    this.outcomes = metrics.counter(
      'embeddings_requests_total',
      'Embeddings provider calls by outcome (ok, failure, circuit_open per call; retry per retried attempt)',
      ['outcome'],
    );
    this.policy = this.buildPolicy();
  }

  async embed(texts: string[]): Promise<number[][]> {
    const vectors: number[][] = [];
    for (let start = 0; start < texts.length; start += this.settings.maxBatchSize) {
      const batch = texts.slice(start, start + this.settings.maxBatchSize);
      vectors.push(...(await this.embedBatch(batch)));
    }
    return vectors;
  }

  async embedQuery(text: string): Promise<number[]> {
    const [vector] = await this.embedBatch([text]);
    return vector;
  }

  health(): ProviderHealth {
    if (this.failing) return { status: 'failing', detail: this.failing };
    const size = this.learntDimensions ?? 'not yet known';
    return { status: 'ok', detail: `${this.model} at ${this.endpoint}, ${size} dimensions` };
  }

  /**
   * One call at start, in the background: learns the vector size and, if the provider is
   * failing, says so once now rather than on every search. Its failure is only logged.
   */
  override warmUp(): void {
    this.embedBatch(['warm-up']).then(
      () =>
        this.logger.log(
          { model: this.model, dimensions: this.learntDimensions },
          'embeddings provider answers',
        ),
      (error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        this.failing ??= message;
        this.logger.warn(
          { model: this.model, url: this.endpoint, err: message },
          'embeddings provider failing at start: hybrid search answers by keyword until it recovers',
        );
      },
    );
  }

  private async embedBatch(texts: string[]): Promise<number[][]> {
    try {
      const vectors = await this.policy.execute(({ signal }) => this.request(texts, signal));
      this.outcomes.inc({ outcome: 'ok' });
      this.failing = undefined;
      return vectors;
    } catch (error) {
      if (isBrokenCircuitError(error)) {
        this.outcomes.inc({ outcome: 'circuit_open' });
        throw new EmbeddingsUnavailableError(
          'circuit_open',
          'The embeddings provider failed repeatedly; calls are paused until it recovers.',
          { cause: error },
        );
      }
      this.outcomes.inc({ outcome: 'failure' });
      if (error instanceof EmbeddingsUnavailableError) {
        // Debug only: a failing provider is one warning when its circuit opens (and one at
        // start), plus the readiness detail, not a line per request.
        this.logger.debug(
          { reason: error.reason, status: error.status, err: error.message },
          'embeddings request failed',
        );
        if (!error.retryable) this.failing = error.message;
      }
      // Anything else is a bug here, not a provider failure: let it surface.
      throw error;
    }
  }

  /** retry(429, 5xx, network, timeout) → breaker(same failures) → per-attempt timeout. */
  private buildPolicy(): IPolicy {
    const transient = (error: Error) =>
      error instanceof EmbeddingsUnavailableError && error.retryable;
    const retryPolicy = retry(handleWhen(transient), {
      maxAttempts: this.settings.maxRetries,
      backoff: new RetryAfterBackoff(
        new ExponentialBackoff({
          initialDelay: this.settings.initialBackoffMs,
          maxDelay: this.settings.maxBackoffMs,
        }),
        this.settings.retryAfterCapMs,
      ),
    });
    retryPolicy.onRetry(({ attempt, delay, ...reason }) => {
      this.outcomes.inc({ outcome: 'retry' });
      const err = 'error' in reason ? reason.error.message : 'unexpected result';
      this.logger.debug({ attempt, delayMs: Math.round(delay), err }, 'retrying embeddings');
    });

    const breaker = circuitBreaker(handleWhen(transient), {
      breaker: new ConsecutiveBreaker(this.settings.breakerThreshold),
      halfOpenAfter: this.settings.halfOpenAfterMs,
    });
    breaker.onBreak((reason) => {
      const wasFailing = this.failing !== undefined;
      this.failing = 'error' in reason ? `circuit open: ${reason.error.message}` : 'circuit open';
      // Once per outage: a half-open trial that fails opens the circuit again, quietly.
      if (wasFailing) return;
      this.logger.warn(
        { halfOpenAfterMs: this.settings.halfOpenAfterMs, err: this.failing },
        'embeddings circuit opened: provider failing; hybrid search answers by keyword',
      );
    });
    breaker.onReset(() => {
      this.failing = undefined;
      this.logger.log('embeddings circuit closed: provider recovered');
    });

    const attemptTimeout = timeout(this.options.timeoutMs, TimeoutStrategy.Cooperative);
    return wrap(retryPolicy, breaker, attemptTimeout);
  }

  /** One HTTP attempt; the signal aborts it at the timeout. */
  private async request(texts: string[], signal: AbortSignal): Promise<number[][]> {
    const body: Record<string, unknown> = {
      model: this.options.model,
      input: texts,
      encoding_format: 'float',
    };
    if (this.requestedDimensions !== null && (this.options.sendDimensions ?? true)) {
      body.dimensions = this.requestedDimensions;
    }

    let response: Response;
    let text: string;
    try {
      response = await fetch(this.endpoint, {
        method: 'POST',
        headers: this.headers,
        body: JSON.stringify(body),
        signal,
      });
      text = await response.text();
    } catch (error) {
      if (signal.aborted) {
        throw new EmbeddingsUnavailableError(
          'timeout',
          `The embeddings provider did not answer within ${this.options.timeoutMs} ms.`,
          { cause: error },
        );
      }
      throw new EmbeddingsUnavailableError('network', 'The embeddings provider is unreachable.', {
        cause: error,
      });
    }

    if (!response.ok) throw this.statusError(response, text);
    return this.parseVectors(text, texts.length);
  }

  private statusError(response: Response, text: string): EmbeddingsUnavailableError {
    const status = response.status;
    const detail = providerMessage(text);
    const message = `The embeddings provider answered ${status}${detail ? `: ${detail}` : ''}.`;
    if (status === 429) {
      return new EmbeddingsUnavailableError('rate_limited', message, {
        status,
        retryAfterMs: retryAfterMs(response.headers),
      });
    }
    if (status >= 500) return new EmbeddingsUnavailableError('server_error', message, { status });
    return new EmbeddingsUnavailableError('rejected', message, { status });
  }

  /** Validates the OpenAI list shape and returns the vectors ordered by `index`. */
  private parseVectors(text: string, expected: number): number[][] {
    const invalid = (why: string) =>
      new EmbeddingsUnavailableError(
        'invalid_response',
        `The embeddings provider sent an invalid response: ${why}.`,
      );
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      throw invalid('the body is not JSON');
    }
    const data = isRecord(payload) ? payload.data : undefined;
    if (!Array.isArray(data)) throw invalid('no "data" array');
    if (data.length !== expected) {
      throw invalid(`${data.length} embeddings for ${expected} inputs`);
    }

    const vectors: number[][] = new Array<number[]>(expected);
    for (const item of data) {
      if (!isRecord(item)) throw invalid('an item of "data" is not an object');
      const { index, embedding } = item;
      if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= expected) {
        throw invalid(`an item has index ${JSON.stringify(index)}`);
      }
      if (vectors[index]) throw invalid(`index ${index} appears twice`);
      if (!Array.isArray(embedding) || !embedding.every((v) => Number.isFinite(v))) {
        throw invalid(`item ${index} has no array of numbers as "embedding"`);
      }
      if (embedding.length === 0 || embedding.length !== (vectors[0] ?? embedding).length) {
        throw new EmbeddingsUnavailableError(
          'dimension_mismatch',
          `The embeddings provider returned vectors of different sizes in one answer.`,
        );
      }
      vectors[index] = embedding as number[];
    }
    this.learn(vectors[0].length);
    return vectors;
  }

  /** Records the size the provider answers; says once if it ignored `dimensions`. */
  private learn(size: number): void {
    if (this.learntDimensions === size) return;
    if (this.requestedDimensions !== null && size !== this.requestedDimensions) {
      this.logger.warn(
        { model: this.model, requested: this.requestedDimensions, answered: size },
        'the embeddings provider ignores EMBEDDINGS_DIMENSIONS: using the size it answers',
      );
    }
    this.learntDimensions = size;
  }
}

/**
 * Exponential backoff with jitter (cockatiel's), except that when the provider said how
 * long to wait (`Retry-After` on a 429) that wait is honoured, up to `capMs`.
 */
class RetryAfterBackoff implements IBackoffFactory<IRetryBackoffContext<unknown>> {
  constructor(
    private readonly base: IBackoffFactory<unknown>,
    private readonly capMs: number,
  ) {}

  next(context: IRetryBackoffContext<unknown>): IBackoff<IRetryBackoffContext<unknown>> {
    const base = this.base.next(context);
    const error = 'error' in context.result ? context.result.error : undefined;
    const hint = error instanceof EmbeddingsUnavailableError ? error.retryAfterMs : undefined;
    return {
      duration:
        hint === undefined ? base.duration : Math.max(base.duration, Math.min(hint, this.capMs)),
      next: (nextContext) => new RetryAfterBackoff(base, this.capMs).next(nextContext),
    };
  }
}

/** `retry-after-ms` (OpenAI), else `Retry-After` in seconds or as an HTTP date. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const ms = Number(headers.get('retry-after-ms') ?? NaN);
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** `error.message` of an OpenAI-style error body, else the start of the body. */
function providerMessage(text: string): string {
  let message = text;
  try {
    const parsed: unknown = JSON.parse(text);
    const error = isRecord(parsed) ? parsed.error : undefined;
    if (isRecord(error) && typeof error.message === 'string') message = error.message;
    else if (typeof error === 'string') message = error;
  } catch {
    // Not JSON: keep the raw text.
  }
  message = message.replace(/\s+/g, ' ').trim();
  return message.length > 200 ? `${message.slice(0, 200)}…` : message;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
