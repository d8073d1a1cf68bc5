import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { AppError, ErrorDetails } from '../../common/errors/app-error';
import { ERROR_STATUS, ErrorCode } from '../../common/errors/error-code';
import { queryOne } from '../../database/sql';

const KEY_TTL_HOURS = 24;

export interface IdempotentRequest {
  userId: string;
  /** The client's Idempotency-Key, or undefined when none was sent. */
  key: string | undefined;
  /** What the request does, e.g. `positions.buy`, plus its validated input. */
  operation: string;
  input: unknown;
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

const SAVEPOINT = 'idempotent_work';

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
export class IdempotencyService {
  async run<T>(
    manager: EntityManager,
    request: IdempotentRequest,
    status: number,
    work: () => Promise<T>,
  ): Promise<Idempotent<T>> {
    if (request.key === undefined) return { status, body: await work(), replayed: false };
    const hash = createHash('sha256')
      .update(`${request.operation}\n${canonical(request.input)}`)
      .digest('hex');
    const locked = await queryOne<{ locked: boolean }>(
      manager,
      `SELECT pg_try_advisory_xact_lock(hashtextextended($1 || ':' || $2, 0)) AS locked`,
      [request.userId, request.key],
    );
    if (!locked?.locked) {
      throw new AppError(
        'IDEMPOTENCY_KEY_IN_FLIGHT',
        'A request with this Idempotency-Key is still being processed.',
      );
    }
    const stored = await queryOne<{
      requestHash: string;
      status: number;
      body: T;
      expired: boolean;
    }>(
      manager,
      `SELECT request_hash AS "requestHash", response_status AS status, response_body AS body,
              expires_at <= now() AS expired
       FROM idempotency_keys WHERE user_id = $1 AND key = $2`,
      [request.userId, request.key],
    );
    if (stored && !stored.expired) {
      if (stored.requestHash !== hash) {
        throw new AppError(
          'IDEMPOTENCY_KEY_REUSED',
          'This Idempotency-Key was used with a different request.',
        );
      }
      return stored.status < 400
        ? { status: stored.status, body: stored.body, replayed: true }
        : this.refused(stored.body as unknown as StoredRefusal, true);
    }
    await manager.query(`SAVEPOINT ${SAVEPOINT}`);
    let answer: { status: number; body: unknown };
    let refusal: Idempotent<T> | undefined;
    try {
      answer = { status, body: await work() };
    } catch (error) {
      if (!(error instanceof AppError) || !STORED_REFUSALS.has(error.code)) throw error;
      await manager.query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`);
      const body: StoredRefusal = {
        error: { code: error.code, message: error.message, details: error.details },
      };
      answer = { status: ERROR_STATUS[error.code], body };
      refusal = this.refused(body, false);
    }
    await manager.query(
      `INSERT INTO idempotency_keys (user_id, key, request_hash, response_status, response_body, expires_at)
       VALUES ($1, $2, $3, $4, $5::jsonb, now() + make_interval(hours => $6))
       ON CONFLICT (user_id, key) DO UPDATE SET request_hash = EXCLUDED.request_hash,
         response_status = EXCLUDED.response_status, response_body = EXCLUDED.response_body,
         created_at = now(), expires_at = EXCLUDED.expires_at`,
      [
        request.userId,
        request.key,
        hash,
        answer.status,
        JSON.stringify(answer.body),
        KEY_TTL_HOURS,
      ],
    );
    return refusal ?? { status, body: answer.body as T, replayed: false };
  }

  private refused<T>(stored: StoredRefusal, replayed: boolean): Idempotent<T> {
    const { code, message, details } = stored.error;
    return { status: ERROR_STATUS[code], replayed, refusal: new AppError(code, message, details) };
  }
}
