import { HUB_TIMING } from '../src/modules/events/live-events.hub';
import { buy, createMarket } from './factories/markets';
import { registerUser } from './factories/users';
import { createTestAppOnPrivateRedis } from './support/private-redis';
import { sql } from './support/sql';
import { listen, SseClient, WsClient } from './support/stream-clients';
import { createTestApp, createTestDatabase, dropTestDatabase, TestApp } from './support/test-app';

const range = (from: number, to: number) =>
  Array.from({ length: Math.max(0, to - from + 1) }, (_v, i) => from + i);

async function outboxIds(t: TestApp): Promise<string[]> {
  return (await sql<{ id: string }>(t, `SELECT id FROM outbox_events ORDER BY seq`)).map(
    (r) => r.id,
  );
}

/** Waits until the log holds every outbox event; returns the log as (seq, id) in seq order. */
async function fullLog(t: TestApp): Promise<Array<{ seq: number; id: string }>> {
  let log: Array<{ seq: number; id: string }> = [];
  await vi.waitFor(
    async () => {
      log = await t.db.query(`SELECT seq::int AS seq, event_id AS id FROM event_log ORDER BY seq`);
      expect(log.length).toBe((await outboxIds(t)).length);
    },
    { timeout: 20_000, interval: 100 },
  );
  return log;
}

describe('streams across instances, Redis restarts and relay failover', () => {
  const pollMs = HUB_TIMING.pollMs;
  afterEach(() => {
    HUB_TIMING.pollMs = pollMs;
  });

  it('two API instances both deliver every event (fan-out through Redis)', async () => {
    // No polling to fall back on: delivery within the test's timeout needs the pub/sub.
    HUB_TIMING.pollMs = 600_000;
    const a = await createTestApp();
    const b = await createTestApp({
      database: a.database,
      redisPrefix: a.redisPrefix,
      env: { APP_ROLE: 'api' },
    });
    try {
      const [urlA, urlB] = [await listen(a), await listen(b)];
      const onA = new SseClient(`${urlA}/api/stream?after=0`);
      const onB = new SseClient(`${urlB}/api/stream?after=0`);
      const wsOnB = new WsClient(`${urlB}/api/ws`);
      await Promise.all([onA.opened, onB.opened, wsOnB.opened]);
      wsOnB.send({ op: 'subscribe', channel: 'markets', after: 0 });
      const creator = await registerUser(a);
      const trader = await registerUser(b);
      const market = await createMarket(b, creator);
      for (let i = 0; i < 5; i++) {
        const via = i % 2 ? a : b;
        expect(
          (await buy(via, trader, { marketId: market.id, outcome: 'YES', amount: '2.00' }))
            .statusCode,
        ).toBe(201);
      }
      const log = await fullLog(a);
      const expected = log.map((e) => e.seq);
      await vi.waitFor(
        () => {
          expect(onA.events.map((m) => Number(m.id))).toEqual(expected);
          expect(onB.events.map((m) => Number(m.id))).toEqual(expected);
          expect(wsOnB.events('markets').map((m) => m.seq)).toEqual(expected);
        },
        { timeout: 5_000 },
      );
      expect(onB.events.map((m) => m.data.id)).toEqual(log.map((e) => e.id));
      for (const client of [onA, onB, wsOnB]) client.close();
    } finally {
      await b.close();
      await a.close();
    }
  });

  it('survives a Redis restart mid-stream: nothing lost, nothing repeated', async () => {
    HUB_TIMING.pollMs = 600_000;
    const { t, redis, close } = await createTestAppOnPrivateRedis();
    try {
      const url = await listen(t);
      const creator = await registerUser(t);
      const trader = await registerUser(t);
      const market = await createMarket(t, creator);
      const sse = new SseClient(`${url}/api/stream?after=0`);
      const ws = new WsClient(`${url}/api/ws`, trader.auth);
      await Promise.all([sse.opened, ws.opened]);
      ws.send({ op: 'subscribe', channel: 'markets', after: 0 });
      ws.send({ op: 'subscribe', channel: 'me', after: 0 });
      await buy(t, trader, { marketId: market.id, outcome: 'YES', amount: '1.00' });
      await fullLog(t);

      await redis.stop();
      await new Promise((resolve) => setTimeout(resolve, 500));
      await redis.start();
      // Trades need Redis (rate limits); retry until it is back.
      for (let i = 0; i < 3; i++) {
        await vi.waitFor(
          async () => {
            const res = await buy(t, trader, {
              marketId: market.id,
              outcome: 'NO',
              amount: '1.00',
            });
            expect(res.statusCode).toBe(201);
          },
          { timeout: 15_000, interval: 250 },
        );
      }
      const log = await fullLog(t);
      await vi.waitFor(
        () => {
          expect(sse.events.map((m) => Number(m.id))).toEqual(range(1, log.length));
          expect(ws.events('markets').map((m) => m.seq)).toEqual(range(1, log.length));
          // 4 trades: a fill and a balance change each.
          expect(ws.events('me').map((m) => m.seq)).toEqual(range(1, 8));
        },
        { timeout: 15_000 },
      );
      expect(sse.ended).toBe(false);
      sse.close();
      ws.close();
    } finally {
      await close();
    }
  });

  it('fails over between relays: seq stays gap-free and every event is logged once', async () => {
    // A database of the test's own: closing relay A must not drop it.
    const database = await createTestDatabase();
    const a = await createTestApp({ database });
    const b = await createTestApp({ database, redisPrefix: a.redisPrefix });
    let aClosed = false;
    try {
      const urlB = await listen(b);
      const watcher = new SseClient(`${urlB}/api/stream?after=0`);
      await watcher.opened;
      const creator = await registerUser(a);
      const trader = await registerUser(a);
      const market = await createMarket(a, creator);
      for (let i = 0; i < 6; i++) {
        await buy(i % 2 ? a : b, trader, { marketId: market.id, outcome: 'YES', amount: '1.00' });
      }
      await a.close();
      aClosed = true;
      for (let i = 0; i < 6; i++) {
        await buy(b, trader, { marketId: market.id, outcome: 'NO', amount: '1.00' });
      }
      const log = await fullLog(b);
      expect(log.map((e) => e.seq)).toEqual(range(1, log.length));
      expect(log.map((e) => e.id)).toEqual(await outboxIds(b));
      await vi.waitFor(
        () => expect(watcher.events.map((m) => Number(m.id))).toEqual(range(1, log.length)),
        {
          timeout: 10_000,
        },
      );
      watcher.close();
    } finally {
      await b.close();
      if (!aClosed) await a.close();
      await dropTestDatabase(database);
    }
  });
});
