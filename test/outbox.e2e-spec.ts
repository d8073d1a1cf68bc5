import { randomUUID } from 'node:crypto';
import { Job, Queue, Worker } from 'bullmq';
import { startMarketEventsConsumer } from '../examples/market-events-consumer';
import { EventRouting } from '../src/modules/events/event-routing';
import { MarketEvent } from '../src/modules/events/market-event';
import { OutboxRelayService } from '../src/modules/events/outbox-relay.service';
import {
  EVENT_VERSIONS,
  type EventType,
  OutboxService,
} from '../src/modules/events/outbox.service';
import { startWorker } from '../src/worker';
import { buy, createMarket } from './factories/markets';
import { ADMIN_ENV, loginAdmin, registerUser, TestUser, userWithRole } from './factories/users';
import { createTestAppOnPrivateRedis, PrivateRedis } from './support/private-redis';
import { sql } from './support/sql';
import { createTestApp, TestApp } from './support/test-app';
import { testConfig } from './support/test-env';
import { KNOWN_QUEUES } from '../src/queues/queue-names';
import { expectError } from './support/errors';

interface Received {
  name: string;
  id: string | undefined;
  data: MarketEvent;
}

/** A downstream consumer of `market-events`: one job at a time, recording arrival order. */
function consume(t: TestApp): { received: Received[]; close(): Promise<void> } {
  const received: Received[] = [];
  const worker = new Worker(
    'market-events',
    async (job: Job<MarketEvent>) => {
      received.push({ name: job.name, id: job.id, data: job.data });
    },
    {
      connection: { url: t.config.redis.url },
      prefix: `${t.redisPrefix}:bull`,
      concurrency: 1,
    },
  );
  worker.on('error', () => undefined);
  return { received, close: () => worker.close() };
}

interface OutboxEventRow {
  id: string;
  seq: string;
  aggregate_id: string;
  type: string;
  published_at: Date | null;
  attempts: number;
}

function outboxRows(t: TestApp, marketIds: string[]): Promise<OutboxEventRow[]> {
  return sql<OutboxEventRow>(
    t,
    `SELECT id, seq, aggregate_id, type, published_at, attempts FROM outbox_events
      WHERE aggregate_id = ANY($1::uuid[]) ORDER BY seq`,
    [marketIds],
  );
}

/** Waits until every outbox row of these markets was received; returns the rows. */
async function allReceived(
  t: TestApp,
  received: Received[],
  marketIds: string[],
  timeout = 10_000,
): Promise<OutboxEventRow[]> {
  let rows: OutboxEventRow[] = [];
  await vi.waitFor(
    async () => {
      rows = await outboxRows(t, marketIds);
      const ids = new Set(received.map((r) => r.data.eventId));
      expect(rows.filter((row) => !ids.has(row.id))).toEqual([]);
    },
    { timeout, interval: 100 },
  );
  return rows;
}

/** Every outbox row arrived exactly once, and per market in `seq` order. */
function expectExactlyOnceInOrder(received: Received[], rows: OutboxEventRow[]): void {
  const relevant = received.filter((r) => rows.some((row) => row.id === r.data.eventId));
  const counts = new Map<string, number>();
  for (const r of relevant) counts.set(r.data.eventId, (counts.get(r.data.eventId) ?? 0) + 1);
  expect([...counts.values()].every((n) => n === 1)).toBe(true);
  expect(counts.size).toBe(rows.length);
  for (const marketId of new Set(rows.map((row) => row.aggregate_id))) {
    const expected = rows.filter((row) => row.aggregate_id === marketId).map((row) => row.id);
    const arrived = relevant.filter((r) => r.data.marketId === marketId).map((r) => r.data.eventId);
    expect(arrived).toEqual(expected);
  }
}

async function metricsText(t: TestApp): Promise<string> {
  const res = await t.request({ method: 'GET', url: '/metrics' });
  expect(res.statusCode).toBe(200);
  return res.body;
}

function metricValue(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('outbox relay to market-events', () => {
  let t: TestApp;
  let consumer: ReturnType<typeof consume>;
  let user: TestUser;

  beforeAll(async () => {
    t = await createTestApp({ env: ADMIN_ENV });
    consumer = consume(t);
    user = await registerUser(t);
  });
  afterAll(async () => {
    await consumer.close();
    await t.close();
  });

  it('publishes events written by HTTP actions, versioned, with eventId and type, in seq order', async () => {
    const market = await createMarket(t, user, {
      initialPosition: { outcome: 'YES', amount: '10' },
    });
    const buyer = await registerUser(t);
    for (const outcome of ['YES', 'NO', 'YES']) {
      expect((await buy(t, buyer, { marketId: market.id, outcome, amount: '5' })).statusCode).toBe(
        201,
      );
    }
    const edit = await t.request({
      method: 'PATCH',
      url: `/api/markets/${market.id}`,
      headers: user.auth,
      payload: { tags: ['weather'] },
    });
    expect(edit.statusCode).toBe(200);

    const rows = await allReceived(t, consumer.received, [market.id]);
    expect(rows.map((row) => row.type)).toEqual([
      'market.created',
      'trade.executed',
      'trade.executed',
      'trade.executed',
      'trade.executed',
      'market.updated',
    ]);
    expectExactlyOnceInOrder(consumer.received, rows);

    const mine = consumer.received.filter((r) => r.data.marketId === market.id);
    for (const [i, r] of mine.entries()) {
      expect(r.name).toBe(r.data.type);
      expect(r.id).toBe(r.data.eventId);
      expect(r.data).toMatchObject({
        // Each type's current payload version (issue 16 raised four of them to 2).
        version: EVENT_VERSIONS[rows[i].type as EventType],
        type: rows[i].type,
        marketId: market.id,
        eventId: rows[i].id,
        seq: Number(rows[i].seq),
      });
      expect(new Date(r.data.occurredAt).toISOString()).toBe(r.data.occurredAt);
    }
    expect(mine[0].data.data).toMatchObject({ name: market.name, creatorId: user.id });
    expect(mine[2].data.data).toMatchObject({ userId: buyer.id, side: 'buy', outcome: 'YES' });
    expect(mine[5].data.data).toMatchObject({ changed: ['tags'], tags: ['weather'] });

    await vi.waitFor(async () => {
      const published = await outboxRows(t, [market.id]);
      expect(published.every((row) => row.published_at !== null)).toBe(true);
    });
  });

  it('publishes market.updated {deleted: true} when a market is deleted', async () => {
    const market = await createMarket(t, user);
    const moderator = await userWithRole(t, await loginAdmin(t), 'moderator');
    const res = await t.request({
      method: 'DELETE',
      url: `/api/markets/${market.id}`,
      headers: moderator.auth,
    });
    expect(res.statusCode).toBe(204);
    const rows = await allReceived(t, consumer.received, [market.id]);
    expect(rows.map((row) => row.type)).toEqual(['market.created', 'market.updated']);
    const deleted = consumer.received.find((r) => r.data.eventId === rows[1].id)!;
    expect(deleted.data.data).toMatchObject({ deleted: true });
  });

  it('hands market.created and market.updated, and nothing else, to subscribers after publishing', async () => {
    const routing = t.app.get(EventRouting);
    const seen: MarketEvent[] = [];
    const unsubscribe = routing.subscribe(['market.created', 'market.updated'], async (event) => {
      seen.push(event);
    });
    try {
      const market = await createMarket(t, user, {
        initialPosition: { outcome: 'NO', amount: '5' },
      });
      await t.request({
        method: 'PATCH',
        url: `/api/markets/${market.id}`,
        headers: user.auth,
        payload: { description: 'Measured at noon' },
      });
      await allReceived(t, consumer.received, [market.id]);
      await vi.waitFor(() => expect(seen.filter((e) => e.marketId === market.id)).toHaveLength(2));
      expect(seen.filter((e) => e.marketId === market.id).map((e) => e.type)).toEqual([
        'market.created',
        'market.updated',
      ]);
    } finally {
      unsubscribe();
    }
  });

  it('retries an event whose subscriber fails, without publishing later events first', async () => {
    const routing = t.app.get(EventRouting);
    let failuresLeft = 2;
    const unsubscribe = routing.subscribe(['market.created'], async () => {
      if (failuresLeft-- > 0) throw new Error('search is down');
    });
    try {
      const market = await createMarket(t, user, {
        initialPosition: { outcome: 'YES', amount: '5' },
      });
      const rows = await allReceived(t, consumer.received, [market.id]);
      expectExactlyOnceInOrder(consumer.received, rows);
      expect(failuresLeft).toBeLessThan(0);
      // Jobs reach Redis before the relay's transaction marks the rows published.
      await vi.waitFor(async () => {
        const created = await outboxRows(t, [market.id]);
        expect(created[0].attempts).toBe(2);
        expect(created.every((row) => row.published_at !== null)).toBe(true);
      });
    } finally {
      unsubscribe();
    }
  });

  it('prunes events published more than 7 days ago, and only those', async () => {
    const marketId = '00000000-0000-4000-8000-000000000001';
    const [old, recent, fresh] = await sql<{ id: string }>(
      t,
      `INSERT INTO outbox_events (aggregate_id, type, payload, published_at)
       VALUES ($1, 'market.updated', '{}', now() - interval '8 days'),
              ($1, 'market.updated', '{}', now() - interval '6 days'),
              ($1, 'market.updated', '{}', now())
       RETURNING id`,
      [marketId],
    );
    expect(await t.app.get(OutboxRelayService).prune()).toBe(1);
    const left = await sql<{ id: string }>(
      t,
      `SELECT id FROM outbox_events WHERE aggregate_id = $1 ORDER BY seq`,
      [marketId],
    );
    expect(left.map((row) => row.id)).toEqual([recent.id, fresh.id]);
    expect(left.map((row) => row.id)).not.toContain(old.id);
  });

  it('exposes outbox_pending, outbox_published_total and queue_jobs for every known queue', async () => {
    const text = await metricsText(t);
    expect(text).toContain('# TYPE outbox_pending gauge');
    expect(metricValue(text, 'outbox_pending')).toBe(0);
    expect(metricValue(text, 'outbox_oldest_pending_age_seconds')).toBe(0);
    expect(metricValue(text, 'outbox_published_total')).toBeGreaterThan(0);
    for (const queue of ['market-events', 'settlement', 'search-index']) {
      for (const state of ['waiting', 'active', 'delayed', 'failed', 'completed']) {
        expect(metricValue(text, `queue_jobs{queue="${queue}",state="${state}"}`)).toBeTypeOf(
          'number',
        );
      }
    }
    expect(
      metricValue(text, 'queue_jobs{queue="market-events",state="completed"}'),
    ).toBeGreaterThan(0);
  });

  it('has no /admin/queues unless dashboard credentials are configured', async () => {
    const res = await t.request({ method: 'GET', url: '/admin/queues' });
    expectError(res, 'NOT_FOUND');
  });
});

describe('outbox relay while Redis is down', () => {
  let redis: PrivateRedis;
  let t: TestApp;
  let close: () => Promise<void>;
  let consumer: ReturnType<typeof consume>;

  beforeAll(async () => {
    ({ t, redis, close } = await createTestAppOnPrivateRedis());
    consumer = consume(t);
  });
  afterAll(async () => {
    await redis.start();
    await consumer.close();
    await close();
  });

  it('keeps trading, holds events in the outbox, and delivers each once and in order when Redis returns', async () => {
    const creator = await registerUser(t);
    const trader = await registerUser(t);
    const markets = [await createMarket(t, creator), await createMarket(t, creator)];
    const ids = markets.map((m) => m.id);
    await allReceived(t, consumer.received, ids);

    await redis.stop();
    for (let i = 0; i < 6; i++) {
      const res = await buy(t, trader, {
        marketId: ids[i % 2],
        outcome: i % 3 === 0 ? 'NO' : 'YES',
        amount: '3',
      });
      expect(res.statusCode).toBe(201);
    }

    // The relay kept trying (backing off) and left every trade event unpublished.
    await vi.waitFor(
      async () => {
        const pending = (await outboxRows(t, ids)).filter((row) => row.published_at === null);
        expect(pending).toHaveLength(6);
        expect(pending.every((row) => row.type === 'trade.executed')).toBe(true);
        expect(pending[0].attempts).toBeGreaterThanOrEqual(3);
        expect(pending.slice(1).every((row) => row.attempts === 0)).toBe(true);
      },
      { timeout: 10_000, interval: 100 },
    );

    // /metrics answers promptly without Redis: outbox numbers yes, queue numbers left out.
    const started = Date.now();
    const text = await metricsText(t);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(metricValue(text, 'outbox_pending')).toBe(6);
    expect(metricValue(text, 'outbox_oldest_pending_age_seconds')).toBeGreaterThan(0);
    expect(metricValue(text, 'queue_jobs{queue="market-events",state="waiting"}')).toBeUndefined();

    await redis.start();
    const rows = await allReceived(t, consumer.received, ids, 20_000);
    expect(rows).toHaveLength(8);
    expectExactlyOnceInOrder(consumer.received, rows);
    await vi.waitFor(async () =>
      expect((await outboxRows(t, ids)).every((row) => row.published_at !== null)).toBe(true),
    );
  });
});

describe('outbox relay when Redis is down from the start', () => {
  it('boots, keeps events, publishes them once Redis is up, and shuts down promptly without Redis', async () => {
    const redis = await PrivateRedis.start();
    await redis.stop();
    const t = await createTestApp({ env: { REDIS_URL: redis.url } });
    let consumer: ReturnType<typeof consume> | undefined;
    let closed = false;
    try {
      const marketId = randomUUID();
      await t.db.transaction((manager) =>
        t.app.get(OutboxService).add(manager, 'market.updated', marketId, { changed: ['tags'] }),
      );
      await vi.waitFor(
        async () => {
          const [row] = await outboxRows(t, [marketId]);
          expect(row.published_at).toBeNull();
          expect(row.attempts).toBeGreaterThan(0);
        },
        { timeout: 10_000, interval: 100 },
      );

      await redis.start();
      consumer = consume(t);
      const rows = await allReceived(t, consumer.received, [marketId], 20_000);
      expectExactlyOnceInOrder(consumer.received, rows);
      await consumer.close();
      consumer = undefined;

      await redis.stop();
      const started = Date.now();
      await t.close();
      closed = true;
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await consumer?.close();
      if (!closed) await t.close();
      await redis.stop();
    }
  });
});

describe('two relays on one database', () => {
  let a: TestApp;
  let b: TestApp;
  let consumer: ReturnType<typeof consume>;

  beforeAll(async () => {
    a = await createTestApp();
    b = await createTestApp({ database: a.database, redisPrefix: a.redisPrefix });
    consumer = consume(a);
  });
  afterAll(async () => {
    await consumer.close();
    await b.close();
    await a.close();
  });

  it('publish every event once, in seq order per market, while trades run through both', async () => {
    const creator = await registerUser(a);
    const traders = await Promise.all([registerUser(a), registerUser(b), registerUser(a)]);
    const markets = await Promise.all([0, 1, 2].map(() => createMarket(a, creator)));
    const ids = markets.map((m) => m.id);
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        buy(i % 2 === 0 ? a : b, traders[i % 3], {
          marketId: ids[i % 3],
          outcome: i % 4 === 0 ? 'NO' : 'YES',
          amount: '2',
        }),
      ),
    );
    expect(results.map((res) => res.statusCode)).toEqual(results.map(() => 201));
    const rows = await allReceived(a, consumer.received, ids, 20_000);
    expect(rows).toHaveLength(33);
    expectExactlyOnceInOrder(consumer.received, rows);
  });
});

describe('roles', () => {
  it('an API-only process leaves events to the worker process, which publishes them', async () => {
    const api = await createTestApp({ env: { APP_ROLE: 'api' } });
    const consumer = consume(api);
    let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
    try {
      expect(() => api.app.get(OutboxRelayService)).toThrow();
      const market = await createMarket(api, await registerUser(api));
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect((await outboxRows(api, [market.id]))[0].published_at).toBeNull();
      // The API process still reports the backlog: the gauge reads PostgreSQL.
      expect(metricValue(await metricsText(api), 'outbox_pending')).toBe(1);

      worker = await startWorker(testConfig(api.database, api.redisPrefix, { APP_ROLE: 'worker' }));
      const rows = await allReceived(api, consumer.received, [market.id]);
      expect(rows.map((row) => row.type)).toEqual(['market.created']);
    } finally {
      await worker?.close();
      await consumer.close();
      await api.close();
    }
  });
});

describe('examples/market-events-consumer.ts', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('handles each event once even when BullMQ delivers it twice', async () => {
    const handled: MarketEvent[] = [];
    const consumer = startMarketEventsConsumer({
      redisUrl: t.config.redis.url,
      redisPrefix: t.redisPrefix,
      consumerName: `${t.redisPrefix}:example`,
      onEvent: async (event) => {
        handled.push(event);
      },
    });
    const queue = new Queue('market-events', {
      connection: { url: t.config.redis.url },
      prefix: `${t.redisPrefix}:bull`,
    });
    try {
      const market = await createMarket(t, await registerUser(t), {
        initialPosition: { outcome: 'YES', amount: '5' },
      });
      const rows = await outboxRows(t, [market.id]);
      await vi.waitFor(() => expect(handled).toHaveLength(2));
      // A second delivery of the first event, as after a relay crash once its job was gone.
      const first = handled[0];
      await queue.add(first.type, first, { jobId: `${first.eventId}-again` });
      await vi.waitFor(async () => expect(await queue.getCompletedCount()).toBe(3));
      expect(handled.map((event) => event.eventId)).toEqual(rows.map((row) => row.id));
    } finally {
      await queue.close();
      await consumer.close();
    }
  });
});

describe('/admin/queues', () => {
  const credentials = { user: 'ops', password: 'dashboard password 0123' };
  const basic = (user: string, password: string) =>
    `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({
      env: {
        QUEUE_DASHBOARD_USER: credentials.user,
        QUEUE_DASHBOARD_PASSWORD: credentials.password,
      },
    });
  });
  afterAll(() => t.close());

  it.each([
    ['no credentials', undefined],
    ['a wrong password', basic('ops', 'dashboard password 0124')],
    ['a wrong user', basic('root', credentials.password)],
    ['a bearer token', 'Bearer abc'],
  ])('is 401 with %s, asking for Basic auth', async (_label, authorization) => {
    for (const url of ['/admin/queues', '/admin/queues/api/queues']) {
      const res = await t.request({
        method: 'GET',
        url,
        headers: authorization ? { authorization } : {},
      });
      expectError(res, 'UNAUTHORIZED');
      expect(res.headers['www-authenticate']).toMatch(/^Basic realm="queues"/);
      expect(res.json().error.code).toBe('UNAUTHORIZED');
    }
  });

  it('serves the dashboard of every known queue with the right credentials', async () => {
    const authorization = basic(credentials.user, credentials.password);
    const page = await t.request({
      method: 'GET',
      url: '/admin/queues',
      headers: { authorization },
    });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);

    const api = await t.request({
      method: 'GET',
      url: '/admin/queues/api/queues',
      headers: { authorization },
    });
    expect(api.statusCode).toBe(200);
    const names = api.json<{ queues: Array<{ name: string }> }>().queues.map((q) => q.name);
    expect(names.sort()).toEqual([...KNOWN_QUEUES].sort());
  });

  it('leaves Swagger and the API as they were', async () => {
    expect((await t.request({ method: 'GET', url: '/docs' })).statusCode).toBe(200);
    const doc = (await t.request({ method: 'GET', url: '/docs-json' })).json();
    expect(Object.keys(doc.paths).filter((path) => path.startsWith('/admin'))).toEqual([]);
    expect((await t.request({ method: 'GET', url: '/api/health' })).statusCode).toBe(200);
  });
});
