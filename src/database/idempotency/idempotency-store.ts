import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { AppError, ErrorDetails } from '../../common/errors/app-error';
import { ERROR_STATUS, ErrorCode } from '../../common/errors/error-code';
import { IdempotencyKeysRepository } from './idempotency-keys.repository';

const KEY_TTL_HOURS = 24;

export interface IdempotentRequest {
  userId: string;
  /** The client's Idempotency-Key, or undefined when none was sent. */
  key: string | undefined;
  /** What the request does, e.g. `positions.buy`, plus its validated input. */
  operation: string;
  input: unknown;
  /** The success status, e.g. 201; stored and replayed with the body. */
  status: number;
}

/**
 * The answer to an idempotent request: a success, or a refusal (fresh or replayed). On a
 * refusal the caller commits the transaction (which keeps the stored refusal) and then
 * throws it, so the client gets the error envelope.
 */
export type Idempotent<T> =
  | { status: number; body: T; replayed: boolean; refusal?: undefined }
  | { status: number; replayed: boolean; refusal: AppError };

/**
 * Refusals that are a final answer to an attempted request, so a retry with the key gets the
 * same "no" even after the balance or the price changed (API.md, Idempotency). Validation
 * (400), authentication and permission (401/403), rate limits (429) and server errors are not
 * stored: nothing was attempted, or the retry must run afresh.
 */
const STORED_REFUSALS: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'INSUFFICIENT_FUNDS',
  'INSUFFICIENT_SHARES',
  'SLIPPAGE_EXCEEDED',
  'MARKET_NOT_OPEN',
]);

interface StoredRefusal {
  error: { code: ErrorCode; message: string; details?: ErrorDetails };
}

/** Stable JSON with sorted keys, so `{a,b}` and `{b,a}` fingerprint the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Stripe-style idempotency for requests that move money, kept in PostgreSQL in the SAME
 * transaction as the money movement: a crash either commits both or neither.
 *
 * - the first request with a key runs and its status + body are stored with the key;
 * - a retry with the same key and the same request within 24 h gets the stored response
 *   (`replayed: true`) and moves nothing;
 * - the same key with a different request is 422 IDEMPOTENCY_KEY_REUSED;
 * - a retry while the first is still running is 409 IDEMPOTENCY_KEY_IN_FLIGHT (a
 *   transaction-scoped advisory lock on (user, key) tells that without waiting);
 * - a refusal in STORED_REFUSALS is stored like a success: the work runs inside a savepoint,
 *   the refusal rolls back to it (undoing the work's writes) and the answer is stored with
 *   the key in the same, committed transaction.
 */
@Injectable()
export class IdempotencyStore {
  constructor(private readonly keys: IdempotencyKeysRepository) {}

  /** Use through `TransactionRunner.idempotent`, which supplies the transaction. */
  async run<T>(
    manager: EntityManager,
    request: IdempotentRequest,
    work: () => Promise<T>,
  ): Promise<Idempotent<T>> {
    const { status } = request;
    if (request.key === undefined) return { status, body: await work(), replayed: false };
    const hash = createHash('sha256')
      .update(`${request.operation}\n${canonical(request.input)}`)
      .digest('hex');
    if (!(await this.keys.tryLock(manager, request.userId, request.key))) {
      throw new AppError(
        'IDEMPOTENCY_KEY_IN_FLIGHT',
        'A request with this Idempotency-Key is still being processed.',
      );
    }
    const stored = await this.keys.find(manager, request.userId, request.key);
    if (stored && !stored.expired) {
      if (stored.requestHash !== hash) {
        throw new AppError(
          'IDEMPOTENCY_KEY_REUSED',
          'This Idempotency-Key was used with a different request.',
        );
      }
      return stored.status < 400
        ? { status: stored.status, body: stored.body as T, replayed: true }
        : this.refused(stored.body as StoredRefusal, true);
    }
    await this.keys.savepoint(manager);
    let answer: { status: number; body: unknown };
    let refusal: Idempotent<T> | undefined;
    try {
      answer = { status, body: await work() };
    } catch (error) {
      if (!(error instanceof AppError) || !STORED_REFUSALS.has(error.code)) throw error;
      await this.keys.rollbackToSavepoint(manager);
      const body: StoredRefusal = {
        error: { code: error.code, message: error.message, details: error.details },
      };
      answer = { status: ERROR_STATUS[error.code], body };
      refusal = this.refused(body, false);
    }
    await this.keys.save(manager, {
      userId: request.userId,
      key: request.key,
      requestHash: hash,
      status: answer.status,
      body: answer.body,
      ttlHours: KEY_TTL_HOURS,
    });
    return refusal ?? { status, body: answer.body as T, replayed: false };
  }

  private refused<T>(stored: StoredRefusal, replayed: boolean): Idempotent<T> {
    const { code, message, details } = stored.error;
    return { status: ERROR_STATUS[code], replayed, refusal: new AppError(code, message, details) };
  }
}
