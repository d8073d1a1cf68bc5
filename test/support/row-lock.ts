import { Client } from 'pg';
import { TestApp } from './test-app';
import { databaseUrl } from './test-env';

/** Text of the statement that locks a market row for a trade or resolution (`lockForUpdate`). */
export const MARKET_LOCK = '"lockedAt"';
/**
 * Text of a trade's one write statement (position, trade, balance, ledger, market, event). It
 * opens with the market's CTE: pg_stat_activity keeps only a statement's first kilobyte.
 */
export const TRADE_STATEMENT = 'WITH market AS';

/**
 * A transaction of the test's own holding `FOR UPDATE` on one row, so a test can line requests
 * up behind it and release them together: ordering by lock queue, not by sleeping.
 */
export class RowLock {
  private constructor(
    private readonly holder: Client,
    /** A second connection: the app's pool may be full of waiters, and the holder's own
     * transaction would see one frozen snapshot of pg_stat_activity. */
    private readonly watcher: Client,
    readonly pid: number,
  ) {}

  static async take(t: TestApp, table: string, id: string): Promise<RowLock> {
    const [holder, watcher] = [t.database, t.database].map(
      (database) => new Client({ connectionString: databaseUrl(database) }),
    );
    await Promise.all([holder.connect(), watcher.connect()]);
    const [{ pid }] = (await holder.query('SELECT pg_backend_pid() AS pid')).rows;
    await holder.query('BEGIN');
    await holder.query(`SELECT 1 FROM ${table} WHERE id = $1 FOR UPDATE`, [id]);
    return new RowLock(holder, watcher, pid);
  }

  /**
   * The app's backends queued behind this lock right now; with `running`, only those whose
   * current statement contains that text. Only the first waiter is blocked by the holder
   * itself; the rest wait on the tuple lock of the one ahead, hence the recursion.
   */
  async waiterPids(running?: string): Promise<number[]> {
    const { rows } = await this.watcher.query<{ pid: number }>(
      `WITH RECURSIVE queued(pid, query) AS (
         SELECT $1::int, ''::text
         UNION
         SELECT a.pid, a.query FROM pg_stat_activity a JOIN queued q ON q.pid = ANY(pg_blocking_pids(a.pid))
         WHERE a.datname = current_database() AND a.application_name LIKE 'market-api%'
       )
       SELECT pid FROM queued WHERE pid <> $1 AND strpos(query, $2) > 0`,
      [this.pid, running ?? ''],
    );
    return rows.map((row) => row.pid);
  }

  async waiters(running?: string): Promise<number> {
    return (await this.waiterPids(running)).length;
  }

  /**
   * Resolves once at least `n` of the app's backends wait on this lock (with `running`, `n`
   * running a statement that contains that text: anything else of the app's that touches the
   * row, such as an insert referencing it, queues here too).
   */
  async waitForWaiters(
    n: number,
    { running, timeoutMs = 10_000 }: { running?: string; timeoutMs?: number } = {},
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const waiting = await this.waiters(running);
      if (waiting >= n) return;
      if (Date.now() > deadline) throw new Error(`${waiting} of ${n} backends wait on the lock`);
      await new Promise((done) => setTimeout(done, 20));
    }
  }

  private released = false;

  /** Ends the lock's transaction; safe to call again (e.g. from a `finally`). */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.holder.query('ROLLBACK').catch(() => undefined);
    await Promise.all([this.holder.end(), this.watcher.end()]);
  }
}
