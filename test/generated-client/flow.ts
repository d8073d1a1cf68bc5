import createClient, { type Middleware } from 'openapi-fetch';
// Written by test/generated-client.e2e-spec.ts from the served /docs-json before this compiles.
import type { paths } from './generated/openapi';

/**
 * A whole user flow written the way a REST client team would, against a client generated from
 * the served OpenAPI document (openapi-typescript types + openapi-fetch). Every path, query
 * parameter, header and body here is checked by `tsc --strict` against that document, so a
 * document that disagrees with what this flow needs fails to compile, and one that disagrees
 * with the server fails at run time. Only names of paths are used, never schema names, which
 * are free to change.
 */

export interface FlowResult {
  userId: string;
  marketId: string;
  quotedShares: string;
  bought: { tradeId: string; positionId: string; shares: string; balance: string };
  replay: { tradeId: string; shares: string; balance: string; replayedHeader: string | null };
  sold: { tradeId: string; remainingShares: string; balance: string };
  positions: { id: string; shares: string }[];
  searchHits: string[];
}

/** What every failed step reports: the step, the status and the error envelope. */
function expectData<T>(step: string, result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data === undefined) {
    throw new Error(`${step}: HTTP ${result.response.status} ${JSON.stringify(result.error)}`);
  }
  return result.data;
}

export async function runFlow(baseUrl: string, email: string): Promise<FlowResult> {
  // The quote's "exactly one of amount and sellShares" is one object parameter with
  // style: form, explode: true (each property its own query parameter), as documented.
  const client = createClient<paths>({
    baseUrl,
    querySerializer: { object: { style: 'form', explode: true } },
  });

  const registered = expectData(
    'register',
    await client.POST('/api/auth/register', {
      body: { email, password: 'correct horse battery staple', displayName: 'Generated Client' },
    }),
  ).data;

  const bearer: Middleware = {
    onRequest({ request }) {
      request.headers.set('authorization', `Bearer ${registered.accessToken}`);
      return request;
    },
  };
  client.use(bearer);

  const name = `Will the generated client trade on ${email.split('@')[0]}?`;
  const market = expectData(
    'create market',
    await client.POST('/api/markets', {
      params: { header: { 'Idempotency-Key': crypto.randomUUID() } },
      body: {
        name,
        closesAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
        tags: ['generated-client'],
      },
    }),
  ).data;

  const quote = expectData(
    'quote',
    await client.GET('/api/markets/{id}/quote', {
      params: {
        path: { id: market.id },
        query: { outcome: 'YES', 'amount|sellShares': { amount: '10.00' } },
      },
    }),
  ).data;

  const buyKey = crypto.randomUUID();
  const buy = () =>
    client.POST('/api/positions', {
      params: { header: { 'Idempotency-Key': buyKey } },
      body: { marketId: market.id, outcome: 'YES', amount: '10.00' },
    });
  const bought = expectData('buy', await buy()).data;
  const replayed = await buy();
  const replay = expectData('replay', replayed).data;

  const sold = expectData(
    'sell',
    await client.POST('/api/positions/{id}/sell', {
      params: {
        path: { id: bought.position.id },
        header: { 'Idempotency-Key': crypto.randomUUID() },
      },
      body: { shares: '5.000000' },
    }),
  ).data;

  const positions = expectData(
    'positions',
    await client.GET('/api/positions', { params: { query: { marketId: market.id } } }),
  ).data;

  const search = expectData(
    'search',
    await client.GET('/api/search/markets', {
      params: { query: { q: 'generated client trade', mode: 'keyword' } },
    }),
  ).data;

  return {
    userId: registered.user.id,
    marketId: market.id,
    quotedShares: quote.shares,
    bought: {
      tradeId: bought.trade.id,
      positionId: bought.position.id,
      shares: bought.position.shares,
      balance: bought.balance,
    },
    replay: {
      tradeId: replay.trade.id,
      shares: replay.position.shares,
      balance: replay.balance,
      replayedHeader: replayed.response.headers.get('idempotent-replayed'),
    },
    sold: { tradeId: sold.trade.id, remainingShares: sold.position.shares, balance: sold.balance },
    positions: positions.map((position) => ({ id: position.id, shares: position.shares })),
    searchHits: search.map((hit) => hit.id),
  };
}
