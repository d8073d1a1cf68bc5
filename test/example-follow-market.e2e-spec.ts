import { followMarket, StreamEvent } from '../examples/follow-market';
import { buy, createMarket } from './factories/markets';
import { registerUser } from './factories/users';
import { freePort } from './support/private-redis';
import {
  createTestApp,
  createTestDatabase,
  deleteRedisKeys,
  dropTestDatabase,
  TestApp,
} from './support/test-app';

async function startOn(database: string, redisPrefix: string, port: number): Promise<TestApp> {
  const t = await createTestApp({ database, redisPrefix });
  await t.app.listen({ port, host: '127.0.0.1' });
  return t;
}

describe('examples/follow-market.ts', () => {
  it('follows a market through a restart of the API without missing or repeating an event', async () => {
    const database = await createTestDatabase();
    const port = await freePort();
    const prefix = `follow_${Date.now().toString(36)}`;
    let t = await startOn(database, prefix, port);
    const received: StreamEvent[] = [];
    const creator = await registerUser(t);
    const trader = await registerUser(t);
    const market = await createMarket(t, creator);
    const follower = followMarket({
      apiUrl: `http://127.0.0.1:${port}`,
      marketId: market.id,
      after: 0,
      onEvent: (event) => {
        received.push(event);
      },
    });
    try {
      await buy(t, trader, { marketId: market.id, outcome: 'YES', amount: '2.00' });
      await vi.waitFor(() => expect(received).toHaveLength(2), { timeout: 10_000 });
      await t.close();
      t = await startOn(database, prefix, port);
      await buy(t, trader, { marketId: market.id, outcome: 'NO', amount: '3.00' });
      await buy(t, trader, { marketId: market.id, outcome: 'NO', amount: '1.00' });
      await vi.waitFor(() => expect(received).toHaveLength(4), { timeout: 15_000 });
      expect(received.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
      expect(received.map((e) => e.type)).toEqual([
        'market.created',
        'trade.executed',
        'trade.executed',
        'trade.executed',
      ]);
    } finally {
      follower.stop();
      await t.close();
      await dropTestDatabase(database);
      await deleteRedisKeys(prefix);
    }
  });
});
