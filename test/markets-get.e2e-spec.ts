import type Redis from 'ioredis';
import { REDIS } from '../src/redis/redis.module';
import { count, sql } from './support/sql';
import { TestApp } from './support/test-app';
import { buy, createMarket, sell } from './factories/markets';
import { registerUser } from './factories/users';
import { marketCacheCount } from './support/metrics';
import {
  ledgerMismatches,
  marketRoutes,
  recordQueries,
  startMarketsApp,
  UNKNOWN_ID,
} from './support/markets-suite';

describe('markets', () => {
  let t: TestApp;

  beforeAll(async () => {
    ({ t } = await startMarketsApp());
  });
  afterAll(() => t.close());
  const { get, edit } = marketRoutes(() => t);

  describe('GET /api/markets/:id', () => {
    it('rejects a malformed id with 400 before any SQL runs', async () => {
      const { result: res, queries } = await recordQueries(t, () => get('/api/markets/not-a-uuid'));
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toEqual({
        code: 'VALIDATION_FAILED',
        message: 'id must be a UUID.',
        details: { id: ['id must be a UUID'] },
      });
      expect(queries).toEqual([]);
    });

    it('judges ids as every @IdParam route does (this route checks its id without pipes)', async () => {
      // A UUID's shape with version 0, which ParseUUIDPipe refuses, and a nil UUID it takes.
      const versionZero = '3f0b8f0e-4c1e-0d3b-9a59-2f7b0c1d9e21';
      const nil = '00000000-0000-0000-0000-000000000000';
      for (const id of [versionZero, nil, 'not-a-uuid']) {
        const here = await get(`/api/markets/${id}`);
        const viaPipe = await get(`/api/markets/${id}/quote?outcome=YES&amount=1`);
        expect(here.statusCode).toBe(viaPipe.statusCode);
        expect(here.json().error.code).toBe(viaPipe.json().error.code);
      }
    });

    it('answers an unknown id with 404', async () => {
      const res = await get(`/api/markets/${UNKNOWN_ID}`);
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('NOT_FOUND');
    });

    it('serves the second read from the cache: a hit, no SQL, the same body', async () => {
      const user = await registerUser(t);
      const market = await createMarket(t, user);
      const first = await get(`/api/markets/${market.id}`);
      expect(first.statusCode).toBe(200);
      expect(first.json().data).toEqual(market);
      const hits = await marketCacheCount(t, 'hit');
      const { result: second, queries } = await recordQueries(t, () =>
        get(`/api/markets/${market.id}`),
      );
      expect(second.statusCode).toBe(200);
      expect(second.json().data).toEqual(market);
      expect(queries).toEqual([]);
      expect(await marketCacheCount(t, 'hit')).toBe(hits + 1);
    });

    it('reads the cache entry of a hit in the same Redis command as the rate-limit counter', async () => {
      const user = await registerUser(t);
      const market = await createMarket(t, user);
      expect((await get(`/api/markets/${market.id}`)).statusCode).toBe(200); // now cached
      // Observed on the app's own client: what goes out on its socket while one hit is served.
      const redis = t.app.get<Redis>(REDIS);
      type Write = (chunk: unknown, ...rest: unknown[]) => boolean;
      const socket = (redis as unknown as { stream: { write: Write } }).stream;
      const writes: string[] = [];
      const write = socket.write;
      socket.write = function (this: unknown, chunk: unknown, ...rest: unknown[]) {
        writes.push(String(chunk));
        return write.call(this, chunk, ...rest);
      };
      try {
        const hit = await get(`/api/markets/${market.id}`);
        expect(hit.statusCode).toBe(200);
      } finally {
        socket.write = write;
      }
      const reads = writes.filter((w) => w.includes(`cache:market:v1:${market.id}`));
      expect(reads).toHaveLength(1);
      // One RESP command (`*<args>` then `$<length>`) in that write: the counter's script,
      // whose keys are the counter's two, the entry and the version.
      const commands = reads[0].match(/(?:^|\r\n)\*\d+\r\n\$/g) ?? [];
      expect(commands).toHaveLength(1);
      expect(reads[0]).toMatch(/evalsha/i);
      expect(reads[0]).toContain(`cache:market-version:${market.id}`);
      expect(reads[0]).toContain(':hits');
    });

    it('never serves a stale market after an edit or a trade', async () => {
      const user = await registerUser(t);
      const trader = await registerUser(t);
      const market = await createMarket(t, user, { name: 'Before the edit' });
      const read = async () => (await get(`/api/markets/${market.id}`)).json().data;
      expect((await read()).name).toBe('Before the edit');
      expect((await read()).name).toBe('Before the edit'); // now cached

      const patched = await edit('PATCH', market.id, { name: 'After the edit' }, user.auth);
      expect(patched.statusCode).toBe(200);
      expect((await read()).name).toBe('After the edit');
      expect((await read()).name).toBe('After the edit');

      const bought = await buy(t, trader, { marketId: market.id, outcome: 'YES', amount: '10' });
      expect(bought.statusCode).toBe(201);
      const afterBuy = await read();
      expect(afterBuy).toMatchObject({ probability: 0.547581, volume: '10.00' });
      expect(await read()).toEqual(afterBuy);

      const positionId = bought.json().data.position.id;
      expect((await sell(t, trader, positionId)).statusCode).toBe(200);
      const afterSell = await read();
      const [row] = await sql(t, `SELECT probability, volume FROM markets WHERE id = $1`, [
        market.id,
      ]);
      expect(afterSell).toMatchObject({ probability: Number(row.probability), volume: row.volume });
      expect(afterSell.volume).toBe('19.99');
    });

    it('loads a cold market from the database once for 20 concurrent reads (single flight)', async () => {
      const user = await registerUser(t);
      const market = await createMarket(t, user);
      const { result: responses, queries } = await recordQueries(t, () =>
        Promise.all(Array.from({ length: 20 }, () => get(`/api/markets/${market.id}`))),
      );
      for (const res of responses) {
        expect(res.statusCode).toBe(200);
        expect(res.json().data).toEqual(market);
      }
      const loads = queries.filter((q) => /FROM markets m WHERE m\.id = \$1\s*$/.test(q));
      expect(loads).toHaveLength(1);
      expect(queries).toHaveLength(2); // the market, then its creator
    });
  });

  it('keeps every balance equal to the sum of its ledger rows after all of the above', async () => {
    expect(await count(t, 'ledger_entries')).toBeGreaterThan(10);
    expect(await ledgerMismatches(t)).toEqual([]);
  });
});
