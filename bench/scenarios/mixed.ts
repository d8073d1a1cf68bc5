import {
  accessToken,
  activeMarketIds,
  ensureSeeded,
  fundedUsers,
  moneyCheck,
} from '../lib/fixtures';
import { defineScenario } from '../lib/registry';
import type { BenchContext, LoadRequest } from '../lib/types';

/** 1,000 requests in a fixed shuffled order: 700 reads, 250 buys, 50 market creations. */
function mixture(ctx: BenchContext, markets: string[], users: string[]): LoadRequest[] {
  const tokens = users.map((id) => accessToken(ctx, id));
  let seed = 7;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const auth = () => ({
    'content-type': 'application/json',
    authorization: `Bearer ${tokens[random(tokens.length)]}`,
  });
  const requests: LoadRequest[] = [];
  for (let i = 0; i < 700; i++) {
    // Reads: mostly one market (cache hit), some first pages of the list.
    requests.push({
      method: 'GET',
      path:
        i % 7 === 0 ? '/api/markets?limit=20' : `/api/markets/${markets[random(markets.length)]}`,
    });
  }
  for (let i = 0; i < 250; i++) {
    requests.push({
      method: 'POST',
      path: '/api/positions',
      headers: auth(),
      body: JSON.stringify({
        marketId: markets[random(100)],
        outcome: i % 3 ? 'YES' : 'NO',
        amount: '1.00',
      }),
    });
  }
  const closesAt = new Date(Date.now() + 30 * 86_400_000).toISOString();
  for (let i = 0; i < 50; i++) {
    requests.push({
      method: 'POST',
      path: '/api/markets',
      headers: auth(),
      body: JSON.stringify({ name: `Bench mixed-load market ${i}?`, closesAt, tags: ['bench'] }),
    });
  }
  for (let i = requests.length - 1; i > 0; i--) {
    const j = random(i + 1);
    [requests[i], requests[j]] = [requests[j], requests[i]];
  }
  return requests;
}

export const scenario = defineScenario({
  name: 'mixed',
  description:
    'Mixed load on the API with its worker in the same process (`APP_ROLE=all`: the outbox ' +
    'relay, search indexing and the other queue consumers run beside the HTTP server, a ' +
    'second API instance started for this scenario): 70 % reads (`GET /api/markets/:id` over ' +
    '1,000 markets, one in seven `GET /api/markets?limit=20`), 25 % buys (1.00 credit over ' +
    '100 markets by 100 users), 5 % market creations, in one shuffled cycle of 1,000 ' +
    'requests shared by all connections. The reference row is the same mixture on the shared ' +
    '`APP_ROLE=api` instance (no worker). Report only.',
  target: { kind: 'throughput-ratio', min: 0, text: 'report only (p50/p95/p99 under mixed load)' },
  prepare: (ctx) => ensureSeeded(ctx),
  async run(ctx) {
    const markets = await activeMarketIds(ctx.db, 1_000);
    const users = await fundedUsers(ctx.db, 100);
    const requests = mixture(ctx, markets, users);
    const all = await ctx.startReference({
      name: 'api (APP_ROLE=all)',
      script: 'reference/api.ts',
      env: { ...ctx.apiEnv, APP_ROLE: 'all' },
      readyPath: '/api/health',
    });
    const points = await ctx.compareHttp(
      { url: all.url, cycle: requests },
      { url: ctx.apiUrl, cycle: requests },
    );
    const books = await moneyCheck(ctx.db);
    ctx.log(`books: difference ${books.difference}`);
    return {
      oursLabel: 'API + worker (all)',
      referenceLabel: 'API only',
      points,
      notes: [
        `Books after the run: Σ balances + Σ collateral − Σ grants = ${books.difference}.`,
        'Market creations pay the subsidy (69.31 credits at liquidity 100) from the creator’s balance.',
      ],
    };
  },
});
