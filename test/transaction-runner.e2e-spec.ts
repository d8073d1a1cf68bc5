import { EntityManager, QueryFailedError } from 'typeorm';
import { queryRows } from '../src/database/sql';
import { TransactionRunner } from '../src/database/transaction-runner';
import { createTestApp, TestApp } from './support/test-app';

/** Makes PostgreSQL itself abort the transaction with `sqlstate` (a real driver error). */
async function failWith(manager: EntityManager, sqlstate: string): Promise<never> {
  await manager.query(
    `DO $$ BEGIN RAISE EXCEPTION 'provoked' USING ERRCODE = '${sqlstate}'; END $$`,
  );
  throw new Error('unreachable');
}

describe('TransactionRunner', () => {
  let t: TestApp;
  let runner: TransactionRunner;

  beforeAll(async () => {
    t = await createTestApp();
    runner = t.app.get(TransactionRunner);
    await t.db.query(`CREATE TABLE runner_probe (n int)`);
  });
  afterAll(() => t.close());
  beforeEach(() => t.db.query(`TRUNCATE runner_probe`));

  const count = async () =>
    Number((await t.db.query<{ n: string }[]>(`SELECT count(*) AS n FROM runner_probe`))[0].n);

  it('gives up after 3 attempts of a serialization failure, with nothing written', async () => {
    let attempts = 0;
    const failing = runner.run(async (manager) => {
      attempts++;
      await manager.query(`INSERT INTO runner_probe VALUES (1)`);
      return failWith(manager, '40001');
    });
    await expect(failing).rejects.toMatchObject({ driverError: { code: '40001' } });
    expect(attempts).toBe(3);
    expect(await count()).toBe(0);
  });

  it('does not retry other failures', async () => {
    let attempts = 0;
    const failing = runner.run(async (manager) => {
      attempts++;
      return failWith(manager, '23505');
    });
    await expect(failing).rejects.toMatchObject({ driverError: { code: '23505' } });
    expect(attempts).toBe(1);
  });

  it('runs the work again after a deadlock; only the committed attempt writes and runs its hooks', async () => {
    const hooksRun: number[] = [];
    let attempts = 0;
    const result = await runner.run(async (manager) => {
      const attempt = ++attempts;
      await manager.query(`INSERT INTO runner_probe VALUES ($1)`, [attempt]);
      runner.afterCommit(manager, () => hooksRun.push(attempt));
      if (attempt === 1) await failWith(manager, '40P01');
      return attempt;
    });
    expect(result).toBe(2);
    expect(hooksRun).toEqual([2]);
    expect(await t.db.query(`SELECT n FROM runner_probe`)).toEqual([{ n: 2 }]);
  });

  it('runs no hook when the work throws, and the hooks only after commit', async () => {
    const hooksRun: string[] = [];
    await expect(
      runner.run(async (manager) => {
        runner.afterCommit(manager, () => hooksRun.push('rolled back'));
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(hooksRun).toEqual([]);

    let seenByHook: number | undefined;
    await runner.run(async (manager) => {
      await manager.query(`INSERT INTO runner_probe VALUES (7)`);
      runner.afterCommit(manager, async () => {
        seenByHook = await count(); // another connection: sees the row only once committed
      });
    });
    expect(seenByHook).toBe(1);
  });

  it('keeps a committed result when a hook fails', async () => {
    const result = await runner.run(async (manager) => {
      runner.afterCommit(manager, () => {
        throw new Error('cache down');
      });
      runner.afterCommit(manager, () => undefined);
      return 'committed';
    });
    expect(result).toBe('committed');
  });

  it('refuses afterCommit with a manager it did not open', () => {
    expect(() => runner.afterCommit(t.db.manager, () => undefined)).toThrow(/TransactionRunner/);
  });

  describe('prepared statements (queryRows with prepared: true)', () => {
    const text = `SELECT n FROM runner_probe WHERE n >= $1 ORDER BY n`;
    const preparedHere = (manager: EntityManager) =>
      queryRows<{ n: number }>(
        manager,
        `SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement = $1`,
        [text],
      );

    it('prepares the text once per connection and answers the same rows as a plain query', async () => {
      await t.db.query(`INSERT INTO runner_probe VALUES (1), (2), (3)`);
      const [prepared, plain, statements] = await runner.run(async (manager) => {
        const first = await queryRows<{ n: number }>(manager, text, [2], { prepared: true });
        const again = await queryRows<{ n: number }>(manager, text, [2], { prepared: true });
        expect(again).toEqual(first);
        return [
          first,
          await queryRows<{ n: number }>(manager, text, [2]),
          await preparedHere(manager),
        ];
      });
      expect(prepared).toEqual([{ n: 2 }, { n: 3 }]);
      expect(prepared).toEqual(plain);
      expect(statements).toEqual([{ n: 1 }]);
    });

    it('fails with the QueryFailedError a plain query throws, so errors map the same', async () => {
      const failing = runner.run((manager) =>
        queryRows(manager, `SELECT 1 / $1::int AS n`, [0], { prepared: true }),
      );
      await expect(failing).rejects.toBeInstanceOf(QueryFailedError);
      await expect(failing).rejects.toMatchObject({ driverError: { code: '22012' } });
    });

    it('is a plain query outside a transaction (no connection of its own to prepare on)', async () => {
      await t.db.query(`INSERT INTO runner_probe VALUES (5)`);
      const rows = await queryRows<{ n: number }>(t.db.manager, text, [5], { prepared: true });
      expect(rows).toEqual([{ n: 5 }]);
    });
  });
});
