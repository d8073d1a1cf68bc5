import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource, EntityManager } from 'typeorm';
import type { IsolationLevel } from 'typeorm/driver/types/IsolationLevel';
import { IdempotencyKeysRepository } from './idempotency/idempotency-keys.repository';
import { Idempotent, IdempotencyStore, IdempotentRequest } from './idempotency/idempotency-store';
import { isRetryableTransactionFailure, sqlState } from './postgres-errors';

/** Attempts per transaction, the first included, before a 40001/40P01 reaches the caller (503). */
const ATTEMPTS = 3;

type CommitHook = () => unknown;

export interface RunOptions {
  /** PostgreSQL's default (READ COMMITTED) unless given. */
  isolation?: IsolationLevel;
}

/**
 * The one way the application opens a transaction.
 *
 * - `run(work)` runs `work(manager)` in a transaction and runs it again, whole, when
 *   PostgreSQL aborts it for a serialization failure or a deadlock (up to 3 attempts, with a
 *   short jittered pause): the abort rolled everything back, so nothing happens twice.
 *   `work` returns what the caller needs; nothing is smuggled out through outer variables.
 * - `idempotent(request, work)` is `run` around the Idempotency-Key protocol
 *   (idempotency-store.ts): the stored answer commits with the work it describes.
 * - `autocommit(work)` runs `work(manager)` on one pooled connection WITHOUT a transaction:
 *   each statement commits on its own. For work that is one statement (a trade at the state
 *   it was quoted at); saves the BEGIN and COMMIT round trips. Its hooks run once `work`
 *   has returned; none run if it throws. No retry: the caller decides what a failure means.
 * - `afterCommit(manager, fn)` defers `fn` (cache invalidation and the like) until the
 *   transaction `manager` belongs to has committed; an attempt that rolls back drops its
 *   hooks. A hook's failure is logged, never thrown: the work has committed.
 *
 * The manager is the transaction: repositories take it as their first argument, and reads
 * that must see the transaction's writes or locks take it as a required one.
 */
@Injectable()
export class TransactionRunner {
  private readonly logger = new Logger('Transaction');
  private readonly hooks = new WeakMap<EntityManager, CommitHook[]>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly idempotency: IdempotencyStore,
  ) {}

  /** A runner outside Nest's container (CLI tools, benchmarks). */
  static standalone(db: DataSource): TransactionRunner {
    return new TransactionRunner(db, new IdempotencyStore(new IdempotencyKeysRepository()));
  }

  async run<T>(work: (manager: EntityManager) => Promise<T>, options: RunOptions = {}): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const hooks: CommitHook[] = [];
      const attemptWork = (manager: EntityManager) => {
        this.hooks.set(manager, hooks);
        return work(manager);
      };
      let result: T;
      try {
        result = options.isolation
          ? await this.db.transaction(options.isolation, attemptWork)
          : await this.db.transaction(attemptWork);
      } catch (error) {
        if (!isRetryableTransactionFailure(error) || attempt >= ATTEMPTS) throw error;
        this.logger.warn({ code: sqlState(error), attempt }, 'transaction aborted; retrying');
        await sleep(5 + Math.random() * 20 * attempt);
        continue;
      }
      await this.runHooks(hooks);
      return result;
    }
  }

  /** `run` with the Idempotency-Key protocol; the result says the status and whether replayed. */
  idempotent<T>(
    request: IdempotentRequest,
    work: (manager: EntityManager) => Promise<T>,
  ): Promise<Idempotent<T>> {
    return this.run((manager) => this.idempotency.run(manager, request, () => work(manager)));
  }

  async autocommit<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const hooks: CommitHook[] = [];
    const runner = this.db.createQueryRunner();
    let result: T;
    try {
      await runner.connect();
      this.hooks.set(runner.manager, hooks);
      result = await work(runner.manager);
    } finally {
      await runner.release();
    }
    await this.runHooks(hooks);
    return result;
  }

  /** Runs `fn` once the transaction of `manager` has committed (not at all if it rolls back). */
  afterCommit(manager: EntityManager, fn: CommitHook): void {
    const hooks = this.hooks.get(manager);
    // A manager from elsewhere (the pool's, or a transaction not opened here) has no commit
    // to wait for: a programming error, refused loudly.
    if (!hooks) throw new Error('afterCommit needs a manager from TransactionRunner.run');
    hooks.push(fn);
  }

  private async runHooks(hooks: CommitHook[]): Promise<void> {
    for (const hook of hooks) {
      try {
        await hook();
      } catch (error) {
        this.logger.warn({ err: (error as Error).message }, 'after-commit hook failed');
      }
    }
  }
}
