import type { ValidateFunction } from 'ajv';
import { ASYNCAPI_DOCUMENT_PATH } from '../src/asyncapi/asyncapi-document';
import { PRIVATE_EVENT_TYPES } from '../src/modules/events/event-log.types';
import { WS_CLOSE } from '../src/modules/events/live-events.gateway';
import { EVENT_TYPES, OutboxService } from '../src/modules/events/outbox.service';
import { STREAM_TIMING } from '../src/modules/events/stream-cursor';
import { buy, createMarket, inDays, sell } from './factories/markets';
import { ADMIN_ENV, loginAdmin, registerUser, TestUser } from './factories/users';
import { expectValidPayload, payloadValidators } from './support/asyncapi';
import { listen, SseClient, WsClient } from './support/stream-clients';
import { createTestApp, TestApp } from './support/test-app';

/**
 * The stream channels of the served AsyncAPI document tell the truth: real SSE and WebSocket
 * clients follow real trades, and every message they receive (and every request they send)
 * is validated against the document's schemas. The last test checks that each message the
 * document lists for /api/stream, /api/me/stream and /api/ws was met here at least once.
 */

const STREAM_CHANNELS = ['/api/stream', '/api/me/stream', '/api/ws'] as const;
type StreamChannel = (typeof STREAM_CHANNELS)[number];

type Served = {
  channels: Record<string, { address: string; messages: Record<string, { $ref: string }> }>;
  components: { messages: Record<string, { name: string }> };
};

const until = (check: () => void | Promise<void>, timeout = 20_000) =>
  vi.waitFor(check, { timeout, interval: 50 });

/** `stream_drops_total{reason="slow_consumer"}` from the app's /metrics. */
async function slowConsumerDrops(t: TestApp): Promise<number> {
  const text = (await t.request({ method: 'GET', url: '/metrics' })).body;
  const line = text
    .split('\n')
    .find((l) => l.startsWith('stream_drops_total{') && l.includes('reason="slow_consumer"'));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

describe('stream messages validate against the AsyncAPI document', () => {
  let t: TestApp;
  let base: string;
  let validators: Map<string, ValidateFunction>;
  let documented: Map<StreamChannel, Set<string>>;
  let admin: TestUser;
  let creator: TestUser;
  let trader: TestUser;
  const seen = new Map<StreamChannel, Set<string>>(STREAM_CHANNELS.map((c) => [c, new Set()]));
  const clients: Array<SseClient | WsClient> = [];
  const timing = { ...STREAM_TIMING };

  /** Validates one message of a stream channel and notes that it was met. */
  function check(channel: StreamChannel, name: string, payload: unknown): void {
    expectValidPayload(validators, channel, name, payload);
    seen.get(channel)!.add(name);
  }

  function checkSse(channel: '/api/stream' | '/api/me/stream', client: SseClient): void {
    expect(client.status).toBe(200);
    for (const message of client.messages) {
      check(channel, message.event!, message.data);
      if (message.event !== 'close') expect(message.id).toBe(String(message.data.seq));
    }
  }

  function checkWs(client: WsClient): void {
    for (const message of client.messages) {
      check('/api/ws', message.op, message);
      if (message.op === 'event') expect(message.seq).toBe(message.event.seq);
    }
  }

  /** What a client sends is documented too: each request is validated before it goes. */
  function sendWs(client: WsClient, message: Record<string, unknown>): void {
    check('/api/ws', message.op as string, message);
    client.send(message);
  }

  async function connectWs(headers: Record<string, string> = {}, url = base): Promise<WsClient> {
    const client = new WsClient(`${url}/api/ws`, headers);
    clients.push(client);
    await client.opened;
    return client;
  }

  function openSse(path: string, headers: Record<string, string> = {}, url = base): SseClient {
    const client = new SseClient(`${url}${path}`, headers);
    clients.push(client);
    return client;
  }

  /**
   * Writes `count` large market.updated events through the outbox, as a market edit does:
   * the relay publishes them and every hub offers them to its streams. Large, because the
   * loopback socket buffers absorb about 4 MB before the server sees any backlog (measured),
   * some 6,000 real trades' worth of events.
   */
  async function publishLargeEvents(marketId: string, count: number): Promise<void> {
    const outbox = t.app.get(OutboxService);
    const closesAt = inDays(7);
    await t.db.transaction(async (manager) => {
      for (let i = 0; i < count; i++) {
        await outbox.add(manager, 'market.updated', marketId, {
          changed: ['name'],
          name: `${i} ${'x'.repeat(128 * 1024)}`,
          closesAt,
          tags: [],
        });
      }
    });
  }

  /** Seqs of one market's public events in the log, once the relay has logged `count`. */
  async function loggedSeqs(marketId: string, count: number): Promise<number[]> {
    let seqs: number[] = [];
    await until(async () => {
      const rows = await t.db.query(
        `SELECT seq::int AS seq FROM event_log WHERE market_id = $1 ORDER BY seq`,
        [marketId],
      );
      seqs = rows.map((row: { seq: number }) => row.seq);
      expect(seqs.length).toBe(count);
    }, 60_000);
    return seqs;
  }

  beforeAll(async () => {
    t = await createTestApp({ env: ADMIN_ENV });
    base = await listen(t);
    const res = await t.request({ method: 'GET', url: ASYNCAPI_DOCUMENT_PATH });
    expect(res.statusCode).toBe(200);
    const served = res.json<Served>();
    validators = await payloadValidators(served);
    documented = new Map(
      STREAM_CHANNELS.map((address) => {
        const channel = Object.values(served.channels).find((c) => c.address === address);
        expect(channel, address).toBeDefined();
        const names = Object.values(channel!.messages).map(
          ({ $ref }) => served.components.messages[$ref.split('/').pop()!].name,
        );
        return [address, new Set(names)];
      }),
    );
    admin = await loginAdmin(t);
    creator = await registerUser(t);
    trader = await registerUser(t);
  });
  afterEach(() => {
    Object.assign(STREAM_TIMING, timing);
    for (const client of clients.splice(0)) client.close();
  });
  afterAll(() => t?.close());

  it('every event type, from create, buy, sell, edit, resolve, settle and delete, on SSE and WebSocket', async () => {
    const publicSse = openSse('/api/stream');
    const traderSse = openSse('/api/me/stream', trader.auth);
    const creatorSse = openSse('/api/me/stream', creator.auth);
    await Promise.all([publicSse.opened, traderSse.opened, creatorSse.opened]);
    // The trader authenticates with the upgrade's header, the creator with a message.
    const traderWs = await connectWs(trader.auth);
    sendWs(traderWs, { op: 'subscribe', channel: 'markets' });
    sendWs(traderWs, { op: 'subscribe', channel: 'me' });
    const creatorWs = await connectWs();
    sendWs(creatorWs, { op: 'auth', token: creator.accessToken });
    sendWs(creatorWs, { op: 'subscribe', channel: 'me' });
    sendWs(creatorWs, { op: 'ping' });
    await until(() => {
      expect(traderWs.of('subscribed')).toHaveLength(2);
      expect(creatorWs.of('subscribed')).toHaveLength(1);
      expect(creatorWs.of('pong')).toHaveLength(1);
    });
    expect(creatorWs.of('authenticated')[0].userId).toBe(creator.id);

    const traded = await createMarket(t, creator, {
      tags: ['weather'],
      initialPosition: { outcome: 'YES', amount: '10.00' },
    });
    const bought = await buy(t, trader, { marketId: traded.id, outcome: 'NO', amount: '5.00' });
    expect(bought.statusCode).toBe(201);
    const sold = await sell(t, trader, bought.json().data.position.id, { shares: '1.000000' });
    expect(sold.statusCode).toBe(200);
    const edited = await t.request({
      method: 'PATCH',
      url: `/api/markets/${traded.id}`,
      headers: creator.auth,
      payload: { name: 'Will it rain in Zephyria on Friday?' },
    });
    expect(edited.statusCode).toBe(200);
    const resolved = await t.request({
      method: 'POST',
      url: `/api/markets/${traded.id}/resolve`,
      headers: creator.auth,
      payload: { outcome: 'YES' },
    });
    expect(resolved.statusCode).toBe(202);
    const deleted = await createMarket(t, creator);
    const deletion = await t.request({
      method: 'DELETE',
      url: `/api/markets/${deleted.id}`,
      headers: admin.auth, // deleting needs the `delete` permission
    });
    expect(deletion.statusCode).toBe(204);

    const types = (client: SseClient) => client.events.map((m) => m.event);
    // Every client has every logged event once settlement and deletion are in the log (their
    // private events are written in the same transaction): compared with the log's counts.
    const start = (client: WsClient, channel: string) =>
      client.of('subscribed').find((m) => m.channel === channel).seq;
    await until(async () => {
      expect(new Set(types(publicSse))).toEqual(new Set(EVENT_TYPES));
      expect(publicSse.events.some((m) => m.data.data.deleted === true)).toBe(true);
      const [logged] = await t.db.query(
        `SELECT (SELECT count(*) FROM event_log WHERE seq > $1)::int AS "public",
                (SELECT count(*) FROM user_event_log WHERE user_id = $2 AND seq > $3)::int AS trader,
                (SELECT count(*) FROM user_event_log WHERE user_id = $4 AND seq > $5)::int AS creator`,
        [
          start(traderWs, 'markets'),
          trader.id,
          start(traderWs, 'me'),
          creator.id,
          start(creatorWs, 'me'),
        ],
      );
      expect(publicSse.events).toHaveLength(logged.public);
      expect(traderWs.events('markets')).toHaveLength(logged.public);
      expect(traderSse.events).toHaveLength(logged.trader);
      expect(traderWs.events('me')).toHaveLength(logged.trader);
      expect(creatorSse.events).toHaveLength(logged.creator);
      expect(creatorWs.events('me')).toHaveLength(logged.creator);
    });
    expect(types(traderSse)).toContain('position.settled');
    expect(types(creatorSse)).toContain('position.settled');
    // The deletion refunds the creator's subsidy.
    expect(creatorSse.events.some((m) => m.data.data.kind === 'refund')).toBe(true);
    expect(new Set([...types(traderSse), ...types(creatorSse)])).toEqual(
      new Set(PRIVATE_EVENT_TYPES),
    );

    // One market's channel, replayed from the start of the log.
    const channel = `market:${traded.id}`;
    sendWs(traderWs, { op: 'subscribe', channel, after: 0 });
    const ofTraded = publicSse.events.filter((m) => m.data.marketId === traded.id);
    await until(() => expect(traderWs.events(channel)).toHaveLength(ofTraded.length));
    sendWs(traderWs, { op: 'unsubscribe', channel });
    await until(() => expect(traderWs.of('unsubscribed')).toHaveLength(1));

    checkSse('/api/stream', publicSse);
    checkSse('/api/me/stream', traderSse);
    checkSse('/api/me/stream', creatorSse);
    checkWs(traderWs);
    checkWs(creatorWs);

    // The transports carry the same events; the public seq has no gap.
    const publicEvents = publicSse.events.map((m) => m.data);
    expect(traderWs.events('markets').map((m) => m.event)).toEqual(publicEvents);
    expect(traderWs.events(channel).map((m) => m.event)).toEqual(ofTraded.map((m) => m.data));
    expect(traderWs.events('me').map((m) => m.event)).toEqual(traderSse.events.map((m) => m.data));
    expect(creatorWs.events('me').map((m) => m.event)).toEqual(
      creatorSse.events.map((m) => m.data),
    );
    const publicSeqs = publicEvents.map((event) => event.seq);
    expect(publicSeqs).toEqual(publicSeqs.map((_seq, i) => publicSeqs[0] + i));
    // Public events never name the trader; their own stream does.
    expect(JSON.stringify([publicSse.messages, traderWs.events('markets')])).not.toContain(
      trader.id,
    );
    expect(traderSse.events.find((m) => m.event === 'trade.executed')?.data.data.userId).toBe(
      trader.id,
    );
  });

  it('WebSocket errors (unknown channel, bad after, anonymous me) as documented; the document refuses the same requests', async () => {
    const client = await connectWs();
    const refused = [
      { op: 'subscribe', channel: 'prices' },
      { op: 'subscribe', channel: 'market:123' },
      { op: 'subscribe', channel: 'markets', after: 'abc' },
      { op: 'subscribe', channel: 'markets', after: -1 },
    ];
    for (const message of refused) {
      expect(() => expectValidPayload(validators, '/api/ws', 'subscribe', message)).toThrow(
        /does not match the AsyncAPI document/,
      );
      client.send(message);
    }
    // Valid by the schema, refused by the server's state: no such seq yet, not signed in.
    sendWs(client, { op: 'subscribe', channel: 'markets', after: 99_999_999 });
    sendWs(client, { op: 'subscribe', channel: 'me' });
    await until(() => expect(client.of('error')).toHaveLength(6));
    checkWs(client);
    expect(client.of('error').map((m) => [m.code, m.channel])).toEqual([
      ['VALIDATION_FAILED', 'prices'],
      ['VALIDATION_FAILED', 'market:123'],
      ['VALIDATION_FAILED', 'markets'],
      ['VALIDATION_FAILED', 'markets'],
      ['VALIDATION_FAILED', 'markets'],
      ['UNAUTHORIZED', 'me'],
    ]);
    expect(client.of('error')[0].message).toContain('Unknown channel');
    expect(client.of('error')[2].details).toEqual({ after: [expect.any(String)] });
    expect(client.of('error')[5].message).toMatch(/needs authentication/);
  });

  it('a WebSocket client that stops reading is closed with 4008 and where to resume', async () => {
    STREAM_TIMING.maxBufferedBytes = 64 * 1024;
    const market = await createMarket(t, creator);
    const channel = `market:${market.id}`;
    const client = await connectWs();
    sendWs(client, { op: 'subscribe', channel });
    await until(() => expect(client.of('subscribed')).toHaveLength(1));
    const start = client.of('subscribed')[0].seq;
    const dropsBefore = await slowConsumerDrops(t);

    client.socket.pause();
    const published = 96;
    await publishLargeEvents(market.id, published);
    await until(async () => expect(await slowConsumerDrops(t)).toBe(dropsBefore + 1), 60_000);
    client.socket.resume();
    await client.closed;

    expect(client.closeCode).toBe(WS_CLOSE.slowConsumer);
    expect(client.closeReason).toBe('slow consumer: reconnect and resume');
    checkWs(client);
    const closing = client.messages.at(-1);
    expect(closing).toMatchObject({ op: 'closing', reason: 'slow_consumer' });
    const received = client.events(channel).map((m) => m.seq);
    expect(received.length).toBeLessThan(published);
    expect(closing.resume).toEqual({ [channel]: received.at(-1) });

    // Resuming where the server said loses nothing and repeats nothing.
    Object.assign(STREAM_TIMING, timing);
    const logged = (await loggedSeqs(market.id, published + 1)).filter((seq) => seq > start);
    const again = await connectWs();
    sendWs(again, { op: 'subscribe', channel, after: closing.resume[channel] });
    await until(() => expect(again.events(channel).at(-1)?.seq).toBe(logged.at(-1)));
    checkWs(again);
    expect([...received, ...again.events(channel).map((m) => m.seq)]).toEqual(logged);
  });

  it('an SSE client that stops reading gets close slow_consumer, then resumes without a gap', async () => {
    STREAM_TIMING.maxBufferedBytes = 64 * 1024;
    const market = await createMarket(t, creator);
    const [created] = await loggedSeqs(market.id, 1);
    const dropsBefore = await slowConsumerDrops(t);
    const client = openSse(`/api/stream?marketId=${market.id}`);
    await client.opened;

    client.pause();
    const published = 96;
    await publishLargeEvents(market.id, published);
    await until(async () => expect(await slowConsumerDrops(t)).toBe(dropsBefore + 1), 60_000);
    // The server destroys the socket 5 s after its close frame: read before then.
    client.resume();
    await client.done;

    checkSse('/api/stream', client);
    const close = client.messages.at(-1)!;
    expect(close.event).toBe('close');
    expect(close.data.reason).toBe('slow_consumer');
    const received = client.events.map((m) => m.data.seq);
    expect(received.length).toBeLessThan(published);
    expect(close.data.resumeAfter).toBe(received.at(-1));

    Object.assign(STREAM_TIMING, timing);
    const logged = (await loggedSeqs(market.id, published + 1)).filter((seq) => seq > created);
    const again = openSse(`/api/stream?marketId=${market.id}`, {
      'last-event-id': String(close.data.resumeAfter),
    });
    await until(() => expect(again.events.at(-1)?.data.seq).toBe(logged.at(-1)));
    checkSse('/api/stream', again);
    expect([...received, ...again.events.map((m) => m.data.seq)]).toEqual(logged);
  });

  it('on shutdown: SSE streams end with close, sockets get reconnect and 1012, as documented', async () => {
    const second = await createTestApp({ database: t.database, env: ADMIN_ENV });
    let closed = false;
    try {
      const url = await listen(second);
      const publicSse = openSse('/api/stream', {}, url);
      const traderSse = openSse('/api/me/stream', trader.auth, url);
      await Promise.all([publicSse.opened, traderSse.opened]);
      const ws = await connectWs(trader.auth, url);
      sendWs(ws, { op: 'subscribe', channel: 'markets' });
      sendWs(ws, { op: 'subscribe', channel: 'me' });
      await until(() => expect(ws.of('subscribed')).toHaveLength(2));

      await second.close();
      closed = true;
      await Promise.all([publicSse.done, traderSse.done, ws.closed]);
      checkSse('/api/stream', publicSse);
      checkSse('/api/me/stream', traderSse);
      checkWs(ws);
      for (const client of [publicSse, traderSse]) {
        expect(client.messages.at(-1)).toMatchObject({
          event: 'close',
          data: { reason: 'shutdown' },
        });
      }
      expect(ws.closeCode).toBe(WS_CLOSE.serviceRestart);
      const reconnect = ws.of('reconnect')[0];
      expect(reconnect.reason).toBe('shutdown');
      expect(Object.keys(reconnect.resume).sort()).toEqual(['markets', 'me']);
    } finally {
      if (!closed) await second.close();
    }
  });

  it('met every message the document lists for the stream channels', () => {
    for (const channel of STREAM_CHANNELS) {
      expect([...seen.get(channel)!].sort(), channel).toEqual([...documented.get(channel)!].sort());
    }
  });
});
