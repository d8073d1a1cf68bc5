import { expectError } from './support/errors';
import { api } from './support/api';
import type { EventResponse, MarketResponse } from './support/api-types';
import { sql } from './support/sql';

import { OutboxRelayService } from '../src/modules/events/outbox-relay.service';
import { buy, createMarket } from './factories/markets';
import { registerUser, TestUser } from './factories/users';
import { createTestApp, TestApp } from './support/test-app';

/** A row of a user's private event stream, as these tests select it. */
interface UserEventRow {
  type: string;
  data: Record<string, unknown>;
}

/** Reads every public event after `after` through GET /api/events pages. */
async function allEvents(t: TestApp, query = ''): Promise<EventResponse[]> {
  const events: EventResponse[] = [];
  let after = 0;
  for (;;) {
    const res = await api(t).get<EventResponse[]>(`/api/events?after=${after}&limit=3${query}`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    events.push(...body.data);
    after = body.meta.pagination.nextAfter;
    if (!body.meta.pagination.hasMore) return events;
  }
}

async function outboxCount(t: TestApp): Promise<number> {
  const [row] = await t.db.query(`SELECT count(*)::int AS n FROM outbox_events`);
  return row.n;
}

/** Waits until the relay logged every outbox event. */
async function logged(t: TestApp): Promise<EventResponse[]> {
  let events: EventResponse[] = [];
  await vi.waitFor(
    async () => {
      events = await allEvents(t);
      expect(events.length).toBe(await outboxCount(t));
    },
    { timeout: 10_000, interval: 100 },
  );
  return events;
}

describe('event log: GET /api/events', () => {
  let t: TestApp;
  let creator: TestUser;
  let trader: TestUser;
  let market: MarketResponse;
  let other: MarketResponse;

  beforeAll(async () => {
    t = await createTestApp();
    creator = await registerUser(t);
    trader = await registerUser(t);
    market = await createMarket(t, creator);
    other = await createMarket(t, creator, { name: 'Will the other thing happen soon?' });
    for (const amount of ['10.00', '5.00']) {
      expect(
        (await buy(t, trader, { marketId: market.id, outcome: 'YES', amount })).statusCode,
      ).toBe(201);
    }
    expect(
      (await buy(t, trader, { marketId: other.id, outcome: 'NO', amount: '3.00' })).statusCode,
    ).toBe(201);
  });
  afterAll(() => t.close());

  it('rejects a bad after, limit, marketId or type with 400 and writes nothing', async () => {
    for (const query of [
      'after=abc',
      'after=-1',
      'after=1.5',
      'limit=0',
      'limit=1001',
      'marketId=nope',
      'type=market.exploded',
      'after=999999',
    ]) {
      const res = await t.request({ method: 'GET', url: `/api/events?${query}` });
      expect(res.statusCode, query).toBe(400);
      expect(res.json()).toMatchObject({ success: false, error: { code: 'VALIDATION_FAILED' } });
    }
  });

  it('gives every published event a gap-free seq from 1, oldest first, with the event fields', async () => {
    const events = await logged(t);
    expect(events.map((e) => e.seq)).toEqual(events.map((_e, i) => i + 1));
    expect(events.map((e) => e.type)).toEqual([
      'market.created',
      'market.created',
      'trade.executed',
      'trade.executed',
      'trade.executed',
    ]);
    for (const event of events) {
      expect(Object.keys(event).sort()).toEqual(
        ['data', 'id', 'marketId', 'occurredAt', 'seq', 'type', 'version'].sort(),
      );
    }
    const outboxIds = (
      await sql<{ id: string }>(t, `SELECT id FROM outbox_events ORDER BY seq`)
    ).map((r) => r.id);
    expect(events.map((e) => e.id)).toEqual(outboxIds);
  });

  it('never names a trader in a public event (creatorId is public)', async () => {
    const text = JSON.stringify(await logged(t));
    expect(text).not.toContain(trader.id);
    expect(text).not.toContain(trader.email);
    expect(text).not.toContain(creator.email);
    const trade = (await logged(t)).find((e) => e.type === 'trade.executed')!;
    expect(trade.data).not.toHaveProperty('userId');
    expect(trade.data).toMatchObject({ side: 'buy', outcome: 'YES', amount: '10.00' });
  });

  it('filters by market and by type', async () => {
    await logged(t);
    const ofOther = await allEvents(t, `&marketId=${other.id}`);
    expect(ofOther.map((e) => e.type)).toEqual(['market.created', 'trade.executed']);
    const trades = await allEvents(t, '&type=trade.executed');
    expect(trades).toHaveLength(3);
    expect(new Set(trades.map((e) => e.type))).toEqual(new Set(['trade.executed']));
  });

  it('keeps the private side on the user stream with its own gap-free seq', async () => {
    await logged(t);
    const rows = await sql<UserEventRow & { seq: number }>(
      t,
      `SELECT seq::int AS seq, type, data FROM user_event_log WHERE user_id = $1 ORDER BY seq`,
      [trader.id],
    );
    expect(rows.map((r) => r.seq)).toEqual(rows.map((_r, i) => i + 1));
    expect(rows.filter((r) => r.type === 'trade.executed')).toHaveLength(3);
    expect(rows.filter((r) => r.type === 'balance.changed').map((r) => r.data.amount)).toEqual([
      '-10.00',
      '-5.00',
      '-3.00',
    ]);
  });

  it('tells each holder of a settled market their payout, privately', async () => {
    const res = await t.request({
      method: 'POST',
      url: `/api/markets/${other.id}/resolve`,
      headers: creator.auth,
      payload: { outcome: 'NO' },
    });
    expect(res.statusCode).toBe(202);
    let rows: UserEventRow[] = [];
    await vi.waitFor(
      async () => {
        rows = await sql<UserEventRow>(
          t,
          `SELECT type, data FROM user_event_log WHERE user_id = $1 AND market_id = $2 ORDER BY seq`,
          [trader.id, other.id],
        );
        expect(rows.map((r) => r.type)).toContain('position.settled');
      },
      { timeout: 15_000, interval: 100 },
    );
    const settled = rows.find((r) => r.type === 'position.settled')!.data;
    expect(settled).toMatchObject({ marketId: other.id, outcome: 'NO', marketOutcome: 'NO' });
    expect(Number(settled.payout)).toBeGreaterThan(3);
    expect(rows.some((r) => r.type === 'balance.changed' && r.data.kind === 'payout')).toBe(true);
    const resolved = (await logged(t)).find(
      (e) => e.type === 'market.resolved' && e.marketId === other.id,
    )!;
    expect(resolved.data).not.toHaveProperty('resolvedBy');
    expect(JSON.stringify(await logged(t))).not.toContain(trader.id);
  });

  it('answers 410 with the oldest seq for an after older than the retention', async () => {
    const events = await logged(t);
    await t.db.query(`UPDATE event_log SET logged_at = now() - interval '8 days' WHERE seq <= 2`);
    const pruned = await t.app.get(OutboxRelayService).pruneEventLog();
    expect(pruned).toBeGreaterThanOrEqual(2);
    const res = await t.request({ method: 'GET', url: '/api/events?after=0' });
    expectError(res, 'EVENTS_EXPIRED');
    expect(res.json()).toMatchObject({
      success: false,
      error: { code: 'EVENTS_EXPIRED', details: { oldestSeq: 3, after: 0 } },
    });
    const fromOldest = await api(t).get<EventResponse[]>('/api/events?after=2');
    expect(fromOldest.statusCode).toBe(200);
    expect(fromOldest.json().data.map((e) => e.seq)).toEqual(
      events.filter((e) => e.seq > 2).map((e) => e.seq),
    );
  });
});
