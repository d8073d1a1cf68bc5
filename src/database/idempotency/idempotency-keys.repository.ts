import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { queryOne } from '../sql';

/** A stored answer, as read back for a retry. */
export interface StoredAnswer {
  requestHash: string;
  status: number;
  body: unknown;
  /** Past its 24 h: the key may be used afresh. */
  expired: boolean;
}

export interface AnswerToStore {
  userId: string;
  key: string;
  requestHash: string;
  status: number;
  body: unknown;
  ttlHours: number;
}

const SAVEPOINT = 'idempotent_work';

/**
 * Every query on `idempotency_keys`, always in the caller's transaction (the answer commits
 * with the money movement it describes). Raw SQL: an advisory lock, savepoints and an upsert.
 */
@Injectable()
export class IdempotencyKeysRepository {
  /**
   * Takes the transaction-scoped advisory lock on (user, key), or answers false at once when
   * another transaction holds it (the first request is still running).
   */
  async tryLock(manager: EntityManager, userId: string, key: string): Promise<boolean> {
    const row = await queryOne<{ locked: boolean }>(
      manager,
      `SELECT pg_try_advisory_xact_lock(hashtextextended($1 || ':' || $2, 0)) AS locked`,
      [userId, key],
    );
    return row?.locked === true;
  }

  find(manager: EntityManager, userId: string, key: string): Promise<StoredAnswer | null> {
    return queryOne<StoredAnswer>(
      manager,
      `SELECT request_hash AS "requestHash", response_status AS status, response_body AS body,
              expires_at <= now() AS expired
       FROM idempotency_keys WHERE user_id = $1 AND key = $2`,
      [userId, key],
    );
  }

  /** Stores the answer; an expired one under the same key is replaced. */
  async save(manager: EntityManager, answer: AnswerToStore): Promise<void> {
    await manager.query(
      `INSERT INTO idempotency_keys (user_id, key, request_hash, response_status, response_body, expires_at)
       VALUES ($1, $2, $3, $4, $5::jsonb, now() + make_interval(hours => $6))
       ON CONFLICT (user_id, key) DO UPDATE SET request_hash = EXCLUDED.request_hash,
         response_status = EXCLUDED.response_status, response_body = EXCLUDED.response_body,
         created_at = now(), expires_at = EXCLUDED.expires_at`,
      [
        answer.userId,
        answer.key,
        answer.requestHash,
        answer.status,
        JSON.stringify(answer.body),
        answer.ttlHours,
      ],
    );
  }

  /** Marks where the work starts, so a stored refusal can undo the work's writes. */
  async savepoint(manager: EntityManager): Promise<void> {
    await manager.query(`SAVEPOINT ${SAVEPOINT}`);
  }

  async rollbackToSavepoint(manager: EntityManager): Promise<void> {
    await manager.query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`);
  }
}
