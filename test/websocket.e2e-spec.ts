import type { MarketResponse } from './support/api-types';
import { buy, createMarket } from './factories/markets';
import { registerUser, TestUser } from './factories/users';
import { expectError } from './support/errors';
import { listen, WsClient } from './support/stream-clients';
import { createTestApp, TestApp } from './support/test-app';

const until = (check: () => void) => vi.waitFor(check, { timeout: 10_000, interval: 50 });

describe('WebSocket /api/ws', () => {
  let t: TestApp;
  let base: string;
  let creator: TestUser;
  let trader: TestUser;
  let other: TestUser;
  let market: MarketResponse;
  const clients: WsClient[] = [];
  const connect = async (headers: Record<string, string> = {}, path = '/api/ws') => {
    const client = new WsClient(`${base}${path}`, headers);
    clients.push(client);
    await client.opened;
    return client;
  };

  beforeAll(async () => {
    t = await createTestApp();
    base = await listen(t);
    creator = await registerUser(t);
    trader = await registerUser(t);
    other = await registerUser(t);
    market = await createMarket(t, creator);
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });
  afterAll(() => t.close());

  it('refuses a token in the URL and a bad Authorization header before the upgrade', async () => {
    const inUrl = new WsClient(`${base}/api/ws?token=${trader.accessToken}`);
    await expect(inUrl.opened).rejects.toThrow();
    expect(inUrl.unexpectedStatus).toBe(400);
    const badHeader = new WsClient(`${base}/api/ws`, { authorization: 'Bearer nope' });
    await expect(badHeader.opened).rejects.toThrow();
    expect(badHeader.unexpectedStatus).toBe(401);
  });

  it('answers a plain GET (no upgrade) with a 400 envelope, as documented', async () => {
    // t.request checks the answer against the operation /docs-json documents for /api/ws.
    const res = await t.request({ method: 'GET', url: '/api/ws' });
    expectError(res, 'VALIDATION_FAILED');
    expect(res.json().error.message).toMatch(/WebSocket endpoint/);
    expect(res.headers['x-request-id']).toEqual(expect.any(String));
  });

  it('answers bad messages, unknown channels, a bad after and an anonymous me with clear errors', async () => {
    const client = await connect();
    client.socket.send('not json');
    client.send({ op: 'dance' });
    client.send({ op: 'subscribe', channel: 'prices' });
    client.send({ op: 'subscribe', channel: 'market:123' });
    client.send({ op: 'subscribe', channel: 'markets', after: 'abc' });
    client.send({ op: 'subscribe', channel: 'markets', after: 10_000_000 });
    client.send({ op: 'subscribe', channel: 'me' });
    client.send({ op: 'auth', token: 'nope' });
    await until(() => expect(client.of('error')).toHaveLength(8));
    expect(client.of('error').map((m) => m.code)).toEqual([
      'VALIDATION_FAILED',
      'VALIDATION_FAILED',
      'VALIDATION_FAILED',
      'VALIDATION_FAILED',
      'VALIDATION_FAILED',
      'VALIDATION_FAILED',
      'UNAUTHORIZED',
      'UNAUTHORIZED',
    ]);
    expect(client.of('error')[2].message).toContain('Unknown channel');
    client.send({ op: 'ping' });
    await until(() => expect(client.of('pong')).toHaveLength(1));
  });

  it('delivers public and private channels, each message with channel and seq', async () => {
    const publicClient = await connect();
    publicClient.send({ op: 'subscribe', channel: 'markets', after: 0 });
    publicClient.send({ op: 'subscribe', channel: `market:${market.id}`, after: 0 });
    // Authentication by header for one, by first message for the other.
    const mine = await connect(trader.auth);
    mine.send({ op: 'subscribe', channel: 'me' });
    const theirs = await connect();
    theirs.send({ op: 'auth', token: other.accessToken });
    theirs.send({ op: 'subscribe', channel: 'me' });
    await until(() => {
      expect(publicClient.of('subscribed')).toHaveLength(2);
      expect(mine.of('subscribed')).toHaveLength(1);
      expect(theirs.of('subscribed')).toHaveLength(1);
    });
    expect(theirs.of('authenticated')[0].userId).toBe(other.id);

    const res = await buy(t, trader, { marketId: market.id, outcome: 'NO', amount: '4.00' });
    expect(res.statusCode).toBe(201);
    const tradeId = res.json().data.trade.id;
    await until(() => {
      expect(publicClient.events('markets').some((m) => m.event.data.tradeId === tradeId)).toBe(
        true,
      );
      expect(
        publicClient.events(`market:${market.id}`).some((m) => m.event.data.tradeId === tradeId),
      ).toBe(true);
      expect(mine.events('me').map((m) => m.event.type)).toEqual([
        'trade.executed',
        'balance.changed',
      ]);
    });
    for (const message of [...publicClient.events('markets'), ...mine.events('me')]) {
      expect(message.seq).toBe(message.event.seq);
      expect(typeof message.channel).toBe('string');
    }
    const marketSeqs = publicClient.events('markets').map((m) => m.seq);
    expect(marketSeqs).toEqual(marketSeqs.map((_s, i) => i + 1));
    expect(mine.events('me').map((m) => m.seq)).toEqual([1, 2]);
    expect(mine.events('me')[0].event.data.userId).toBe(trader.id);
    expect(JSON.stringify(publicClient.messages)).not.toContain(trader.id);
    expect(theirs.events('me')).toEqual([]);

    // Resume with after: only what came later.
    const resumed = await connect(trader.auth);
    resumed.send({ op: 'subscribe', channel: 'me', after: 1 });
    await until(() => expect(resumed.events('me').map((m) => m.seq)).toEqual([2]));
    resumed.send({ op: 'unsubscribe', channel: 'me' });
    await until(() => expect(resumed.of('unsubscribed')).toHaveLength(1));
    await buy(t, trader, { marketId: market.id, outcome: 'NO', amount: '1.00' });
    await until(() => expect(mine.events('me').map((m) => m.seq)).toEqual([1, 2, 3, 4]));
    expect(resumed.events('me').map((m) => m.seq)).toEqual([2]);
  });

  it('closes sockets with a reconnect hint on shutdown', async () => {
    const app = await createTestApp({ database: t.database });
    const url = await listen(app);
    const client = new WsClient(`${url}/api/ws`);
    await client.opened;
    client.send({ op: 'subscribe', channel: 'markets' });
    await until(() => expect(client.of('subscribed')).toHaveLength(1));
    await app.close();
    await client.closed;
    expect(client.closeCode).toBe(1012);
    expect(client.of('reconnect')[0]).toMatchObject({ reason: 'shutdown' });
    expect(typeof client.of('reconnect')[0].resume.markets).toBe('number');
  });
});
