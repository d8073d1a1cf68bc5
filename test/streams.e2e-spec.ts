import type { MarketResponse } from './support/api-types';
import { STREAM_TIMING } from '../src/modules/events/stream-cursor';
import { buy, createMarket } from './factories/markets';
import { registerUser, TestUser } from './factories/users';
import { listen, SseClient } from './support/stream-clients';
import { createTestApp, TestApp } from './support/test-app';

async function headSeq(t: TestApp): Promise<number> {
  const [row] = await t.db.query(
    `SELECT coalesce((SELECT last_seq FROM event_streams WHERE stream = 'public'), 0)::int AS n`,
  );
  return row.n;
}

async function outboxCount(t: TestApp): Promise<number> {
  const [row] = await t.db.query(`SELECT count(*)::int AS n FROM outbox_events`);
  return row.n;
}

/** Waits until the relay has logged every committed event; returns the head seq. */
async function settledHead(t: TestApp): Promise<number> {
  let head = 0;
  await vi.waitFor(
    async () => {
      head = await headSeq(t);
      expect(head).toBe(await outboxCount(t));
    },
    { timeout: 15_000, interval: 100 },
  );
  return head;
}

const range = (from: number, to: number) =>
  Array.from({ length: Math.max(0, to - from + 1) }, (_v, i) => from + i);

describe('SSE streams', () => {
  let t: TestApp;
  let base: string;
  let creator: TestUser;
  let trader: TestUser;
  let bystander: TestUser;
  let market: MarketResponse;
  const timing = { ...STREAM_TIMING };

  beforeAll(async () => {
    t = await createTestApp();
    base = await listen(t);
    creator = await registerUser(t);
    trader = await registerUser(t);
    bystander = await registerUser(t);
    market = await createMarket(t, creator);
  });
  afterEach(() => Object.assign(STREAM_TIMING, timing));
  afterAll(() => t.close());

  it('refuses a bad after or Last-Event-ID (400), an expired one (410) and an anonymous me (401)', async () => {
    for (const [path, headers] of [
      ['/api/stream?after=abc', {}],
      ['/api/stream?after=-3', {}],
      ['/api/stream?marketId=not-a-uuid', {}],
      ['/api/stream', { 'last-event-id': 'x1' }],
      ['/api/stream?after=99999999', {}],
      ['/api/me/stream?after=abc', trader.auth],
    ] as const) {
      const client = new SseClient(`${base}${path}`, headers);
      await client.opened;
      await client.done;
      expect(client.status, path).toBe(400);
      expect(JSON.parse(client.body)).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    }
    const anonymous = new SseClient(`${base}/api/me/stream`);
    await anonymous.opened;
    await anonymous.done;
    expect(anonymous.status).toBe(401);
    expect(JSON.parse(anonymous.body)).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
  });

  it('resumes after disconnects at random points while trades run: every seq once, in order', async () => {
    // Small replay pages make each resume span several queries with trades committing between.
    STREAM_TIMING.replayPage = 2;
    const received: number[] = [];
    let stop = false;
    const trading = (async () => {
      let n = 0;
      while (!stop) {
        const res = await buy(t, trader, {
          marketId: market.id,
          outcome: n++ % 2 ? 'YES' : 'NO',
          amount: '1.00',
        });
        expect(res.statusCode).toBe(201);
      }
    })();
    let lastId: string | undefined = '0';
    for (let round = 0; round < 6; round++) {
      const client: SseClient = new SseClient(`${base}/api/stream`, { 'last-event-id': lastId });
      await client.opened;
      expect(client.status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 400));
      client.close();
      await client.done;
      received.push(...client.events.map((m) => Number(m.id)));
      lastId = client.lastId ?? lastId;
    }
    stop = true;
    await trading;
    const head = await settledHead(t);
    const last = new SseClient(`${base}/api/stream?after=${lastId}`);
    await vi.waitFor(() => expect(Number(last.lastId ?? lastId)).toBe(head), { timeout: 10_000 });
    last.close();
    received.push(...last.events.map((m) => Number(m.id)));
    expect(received).toEqual(range(1, head));
    for (const message of last.events) {
      expect(message.data.seq).toBe(Number(message.id));
      expect(message.event).toBe(message.data.type);
    }
  });

  it('switches from replay to live without a gap or duplicate when events arrive during replay', async () => {
    STREAM_TIMING.replayPage = 1;
    const start = await settledHead(t);
    const from = Math.max(0, start - 5);
    const client = new SseClient(`${base}/api/stream?after=${from}`);
    await client.opened;
    await Promise.all(
      range(1, 4).map(() =>
        buy(t, trader, { marketId: market.id, outcome: 'YES', amount: '1.00' }),
      ),
    );
    const head = await settledHead(t);
    await vi.waitFor(() => expect(Number(client.lastId)).toBe(head), { timeout: 10_000 });
    client.close();
    expect(client.events.map((m) => Number(m.id))).toEqual(range(from + 1, head));
  });

  it('sends only the chosen markets with marketId, and a heartbeat comment', async () => {
    STREAM_TIMING.heartbeatMs = 150;
    const other = await createMarket(t, creator, { name: 'Will the second market move today?' });
    const client = new SseClient(`${base}/api/stream?marketId=${other.id}&after=0`);
    await client.opened;
    await buy(t, trader, { marketId: market.id, outcome: 'YES', amount: '1.00' });
    await buy(t, trader, { marketId: other.id, outcome: 'NO', amount: '2.00' });
    await vi.waitFor(
      () => expect(client.events.map((m) => m.event)).toEqual(['market.created', 'trade.executed']),
      {
        timeout: 10_000,
      },
    );
    await vi.waitFor(() => expect(client.comments).toContain('heartbeat'), { timeout: 2_000 });
    client.close();
    expect(client.events.every((m) => m.data.marketId === other.id)).toBe(true);
  });

  it("streams the caller's own fills and balance changes on /me/stream, never another user's", async () => {
    const mine = new SseClient(`${base}/api/me/stream?after=0`, trader.auth);
    const theirs = new SseClient(`${base}/api/me/stream?after=0`, bystander.auth);
    const publicStream = new SseClient(`${base}/api/stream?after=0`);
    await Promise.all([mine.opened, theirs.opened, publicStream.opened]);
    expect([mine.status, theirs.status, publicStream.status]).toEqual([200, 200, 200]);
    const res = await buy(t, trader, { marketId: market.id, outcome: 'YES', amount: '7.00' });
    const tradeId = res.json().data.trade.id;
    await vi.waitFor(
      () => {
        const fill = mine.events.find(
          (m) => m.event === 'trade.executed' && m.data.data.tradeId === tradeId,
        );
        expect(fill?.data.data.userId).toBe(trader.id);
        expect(
          mine.events.some((m) => m.event === 'balance.changed' && m.data.data.amount === '-7.00'),
        ).toBe(true);
        expect(publicStream.events.some((m) => m.data.data?.tradeId === tradeId)).toBe(true);
      },
      { timeout: 10_000 },
    );
    const ids = mine.events.map((m) => Number(m.id));
    expect(ids).toEqual(range(1, ids.length));
    expect(JSON.stringify(theirs.messages)).not.toContain(trader.id);
    expect(JSON.stringify(publicStream.messages)).not.toContain(trader.id);
    expect(JSON.stringify(publicStream.messages)).not.toContain(trader.email);
    mine.close();
    theirs.close();
    publicStream.close();

    // Resume by Last-Event-ID on the private stream: only what came after.
    const resumed = new SseClient(`${base}/api/me/stream`, {
      ...trader.auth,
      'last-event-id': String(ids.length - 1),
    });
    await vi.waitFor(() => expect(resumed.events.map((m) => Number(m.id))).toEqual([ids.length]), {
      timeout: 5_000,
    });
    resumed.close();
  });

  it('reports open connections, events sent and drops in /metrics, and documents SSE in OpenAPI', async () => {
    const client = new SseClient(`${base}/api/stream?after=0`);
    await client.opened;
    await vi.waitFor(() => expect(client.events.length).toBeGreaterThan(0));
    const metrics = (await t.request({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/stream_connections_open\{transport="sse"\} [1-9]/);
    expect(metrics).toMatch(/stream_events_sent_total\{transport="sse"\} [1-9]/);
    expect(metrics).toContain('stream_drops_total');
    client.close();
    const doc = (await t.request({ method: 'GET', url: '/docs-json' })).json();
    for (const path of ['/api/stream', '/api/me/stream']) {
      expect(doc.paths[path].get.responses['200'].content).toHaveProperty('text/event-stream');
    }
    expect(doc.paths['/api/events'].get.responses).toHaveProperty('410');
  });

  it('limits streams per IP with 429', async () => {
    const limited = await createTestApp({
      env: { STREAM_MAX_CONNECTIONS_PER_IP: '2' },
      database: t.database,
    });
    try {
      const url = await listen(limited);
      const open = [new SseClient(`${url}/api/stream`), new SseClient(`${url}/api/stream`)];
      await Promise.all(open.map((c) => c.opened));
      const third = new SseClient(`${url}/api/stream`);
      await third.opened;
      await third.done;
      expect(third.status).toBe(429);
      expect(JSON.parse(third.body)).toMatchObject({ error: { code: 'RATE_LIMITED' } });
      open[0].close();
      await vi.waitFor(async () => {
        const again = new SseClient(`${url}/api/stream`);
        await again.opened;
        again.close();
        expect(again.status).toBe(200);
      });
      open[1].close();
    } finally {
      await limited.close();
    }
  });

  it('ends open streams with a reconnect hint on shutdown', async () => {
    const app = await createTestApp({ database: t.database });
    const url = await listen(app);
    const client = new SseClient(`${url}/api/stream`);
    await client.opened;
    expect(client.status).toBe(200);
    await app.close();
    await client.done;
    const close = client.messages.find((m) => m.event === 'close');
    expect(close?.data).toMatchObject({ reason: 'shutdown' });
    expect(typeof close?.data.resumeAfter).toBe('number');
  });
});
