import { Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

/** Serialization failure and deadlock: safe to retry the whole transaction. */
const RETRYABLE = new Set(['40001', '40P01']);
const logger = new Logger('Transaction');

/**
 * Runs `work` in a transaction, retrying it (up to `attempts` times, with a short jittered
 * pause) when PostgreSQL aborts it for a serialization failure or a deadlock.
 */
export async function runTransaction<T>(
  db: DataSource,
  work: (manager: EntityManager) => Promise<T>,
  attempts = 3,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(work);
    } catch (error) {
      const code = (error as { driverError?: { code?: string } }).driverError?.code;
      if (!code || !RETRYABLE.has(code) || attempt >= attempts) throw error;
      logger.warn({ code, attempt }, 'transaction aborted; retrying');
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * attempt));
    }
  }
}
