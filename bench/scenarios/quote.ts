import { activeMarketIds, ensureSeeded } from '../lib/fixtures';
import { defineScenario } from '../lib/registry';

export const scenario = defineScenario({
  name: 'quote',
  description:
    '`GET /api/markets/:id/quote?outcome=YES&amount=10` rotating over 1,000 markets: rate ' +
    'limit with the cache read in its command (as `GET /api/markets/:id`), the LMSR quote ' +
    '(float64 where its error bound proves every digit, else 50-digit decimal.js), envelope. ' +
    'Report only: the reference is our own cache-hit `GET /api/markets/:id` over the same ' +
    'markets, so the ratio is what the quote maths adds to a cached read.',
  target: { kind: 'throughput-ratio', min: 0, text: 'report only (no fixed target)' },
  prepare: (ctx) => ensureSeeded(ctx),
  async run(ctx) {
    const ids = await activeMarketIds(ctx.db, 1_000);
    const points = await ctx.compareHttp(
      {
        url: ctx.apiUrl,
        rotate: { template: '/api/markets/{}/quote?outcome=YES&amount=10', values: ids },
      },
      { url: ctx.apiUrl, rotate: { template: '/api/markets/{}', values: ids } },
    );
    return { oursLabel: 'quote', referenceLabel: 'GET market (hit)', points };
  },
});
