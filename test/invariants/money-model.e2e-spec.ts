import type { ApiBody } from '../support/api';
import type { TradeResultResponse } from '../support/api-types';
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { Dec, Decimal } from '../../src/common/money/decimal';
import { inDays } from '../factories/markets';
import { ADMIN_ENV, loginAdmin, registerUser, TestUser } from '../factories/users';
import { moneyViolations } from '../support/invariants';
import { sql } from '../support/sql';
import { createTestApp, TestApp } from '../support/test-app';

/**
 * Model-based money test (DOMAIN.md, "Checks that must always hold").
 *
 * fast-check generates a scenario: U users, each with a sequence of operations (buy, sell,
 * idempotent retry, key reuse with another body, create market, resolve, admin grant,
 * reads, selling someone else's position). The users run CONCURRENTLY over HTTP against
 * the real app (Fastify inject, PostgreSQL, Redis, the in-process settlement worker); each
 * user's own operations run in order, so the model can follow what each user was told.
 *
 * After every run:
 * - the SQL invariants (moneyViolations: conservation, balance = Σ ledger, no negatives,
 *   q = Σ shares, nobody paid twice, settled collateral 0, collateral ≥ max(q));
 * - no 5xx, every non-2xx response is the error envelope with an expected code;
 * - the ledger matches the model: per user, the grant, subsidy, buy and sell rows are
 *   exactly the fresh 2xx responses the user received (so refused requests and idempotent
 *   replays moved no money), and a replay returned the original status and body;
 * - every position's shares are what its owner's last trade response said;
 * - winners of each settled market received exactly floor(shares, 2), losers nothing.
 *
 * Short by default (inside `npm test`); `npm run test:soak` (SOAK=1) runs ≥ 10,000
 * operations by 50 users on 20 markets per run. MODEL_SEED overrides the seed, MODEL_RUNS
 * the number of runs.
 */

const SOAK = process.env.SOAK === '1';
const SIZE = SOAK
  ? { runs: Number(process.env.MODEL_RUNS ?? 5), users: 50, markets: 20, opsPerUser: 40 }
  : { runs: Number(process.env.MODEL_RUNS ?? 5), users: 6, markets: 4, opsPerUser: 10 };
const SEED = Number(process.env.MODEL_SEED ?? 20_261_122);

// ---- the scenario ------------------------------------------------------------------------

type Outcome = 'YES' | 'NO';
type Op =
  | { kind: 'buy'; market: number; outcome: Outcome; amount: string | number; keyed: boolean }
  | { kind: 'buyWithLimit'; market: number; outcome: Outcome; amount: string; max: number }
  | { kind: 'sell'; pick: number; fraction: 'all' | 'half' | 'tooMany'; keyed: boolean }
  | { kind: 'sellOthers'; pick: number }
  | { kind: 'retry' }
  | { kind: 'reuse' }
  | { kind: 'create'; liquidity: string; initial: { outcome: Outcome; amount: string } | null }
  | { kind: 'resolve'; pick: number; outcome: 'YES' | 'NO' | 'CANCEL' }
  | { kind: 'grant'; amount: string }
  | { kind: 'read'; what: 'market' | 'position' | 'ledger' | 'trades' | 'me'; pick: number };

const cents = (min: number, max: number) =>
  fc.integer({ min, max }).map((c) => (c / 100).toFixed(2));
const outcome = fc.constantFrom<Outcome>('YES', 'NO');
const pick = fc.nat({ max: 1_000 });

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 35,
    arbitrary: fc.record({
      kind: fc.constant('buy' as const),
      market: pick,
      outcome,
      // Boundaries included: the smallest amount, more than anyone holds, a JSON number.
      amount: fc.oneof(
        { weight: 8, arbitrary: cents(1, 6_000) },
        { weight: 1, arbitrary: fc.constantFrom('0.01', '1000000.00', '999.99') },
        { weight: 1, arbitrary: fc.integer({ min: 1, max: 40 }) },
      ),
      keyed: fc.boolean(),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('buyWithLimit' as const),
      market: pick,
      outcome,
      amount: cents(100, 5_000),
      max: fc.double({ min: 0.05, max: 0.95, noNaN: true }).map((p) => Number(p.toFixed(4))),
    }),
  },
  {
    weight: 20,
    arbitrary: fc.record({
      kind: fc.constant('sell' as const),
      pick,
      fraction: fc.constantFrom<'all' | 'half' | 'tooMany'>('all', 'half', 'half', 'tooMany'),
      keyed: fc.boolean(),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('sellOthers' as const), pick }) },
  { weight: 8, arbitrary: fc.constant({ kind: 'retry' as const }) },
  { weight: 4, arbitrary: fc.constant({ kind: 'reuse' as const }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('create' as const),
      liquidity: fc.constantFrom('10', '50', '100.00', '250.50', '1000'),
      initial: fc.option(fc.record({ outcome, amount: cents(1, 2_000) }), { nil: null }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('resolve' as const),
      pick,
      outcome: fc.constantFrom<'YES' | 'NO' | 'CANCEL'>('YES', 'NO', 'CANCEL'),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('grant' as const), amount: cents(1, 50_000) }),
  },
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constant('read' as const),
      what: fc.constantFrom<'market' | 'position' | 'ledger' | 'trades' | 'me'>(
        'market',
        'position',
        'ledger',
        'trades',
        'me',
      ),
      pick,
    }),
  },
);

const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  users: fc.array(fc.array(opArb, { minLength: SIZE.opsPerUser, maxLength: SIZE.opsPerUser }), {
    minLength: SIZE.users,
    maxLength: SIZE.users,
  }),
  markets: fc.array(fc.constantFrom('10', '100', '500'), {
    minLength: SIZE.markets,
    maxLength: SIZE.markets,
  }),
  finally: fc.array(fc.constantFrom('YES' as const, 'NO' as const, 'CANCEL' as const, null), {
    minLength: SIZE.markets,
    maxLength: SIZE.markets,
  }),
});
interface Scenario {
  users: Op[][];
  markets: string[];
  /** After the users: how the admin resolves each of the run's markets (null: left open). */
  finally: Array<'YES' | 'NO' | 'CANCEL' | null>;
}

// ---- the model ---------------------------------------------------------------------------

/** What one user was told by the API: only fresh (not replayed) 2xx responses move money. */
interface UserModel {
  user: TestUser;
  grants: Dec;
  subsidies: Dec;
  buys: Dec;
  sells: Dec;
  buyCount: number;
  sellCount: number;
  /** position id → shares in the user's last fresh trade response for it */
  positions: Map<string, string>;
  createdMarkets: string[];
  lastKeyed?: {
    method: 'POST';
    url: string;
    payload: Record<string, unknown>;
    key: string;
    kind: 'buy' | 'sell';
    status: number;
    body: ApiBody<TradeResultResponse>;
  };
}

/** Refusals the idempotency store keeps like a success (API.md, Idempotency). */
const STORED_REFUSALS = [
  'INSUFFICIENT_FUNDS',
  'INSUFFICIENT_SHARES',
  'SLIPPAGE_EXCEEDED',
  'MARKET_NOT_OPEN',
];

const EXPECTED: Record<string, number[]> = {
  buy: [201, 409, 422],
  buyWithLimit: [201, 409, 422],
  sell: [200, 409, 422],
  sellOthers: [404],
  create: [201, 422],
  resolve: [202, 409],
  grant: [201],
  read: [200],
};

interface RunStats {
  operations: number;
  requests: number;
  statuses: Record<string, number>;
  replays: number;
  resolved: number;
}

async function runScenario(t: TestApp, admin: TestUser, scenario: Scenario, stats: RunStats) {
  const problems: string[] = [];
  const run = Math.random().toString(36).slice(2, 8);
  const markets: Array<{ id: string; creator: number }> = [];
  const resolved = new Set<string>();
  const positionOwners: Array<{ id: string; owner: number }> = [];

  const send = async (
    label: string,
    request: Parameters<TestApp['request']>[0] & object,
    expected: number[],
  ) => {
    const res = await t.request(request);
    stats.requests++;
    stats.statuses[res.statusCode] = (stats.statuses[res.statusCode] ?? 0) + 1;
    const body = res.body ? res.json() : null;
    if (res.statusCode >= 500) problems.push(`${label}: ${res.statusCode} ${res.body}`);
    if (res.statusCode >= 400) {
      const envelope =
        body?.success === false &&
        typeof body.error?.code === 'string' &&
        typeof body.error?.message === 'string' &&
        typeof body.meta?.requestId === 'string';
      if (!envelope) problems.push(`${label}: ${res.statusCode} without the envelope: ${res.body}`);
    }
    if (!expected.includes(res.statusCode)) {
      problems.push(`${label}: status ${res.statusCode} not in ${expected.join('/')}: ${res.body}`);
    }
    return {
      status: res.statusCode,
      body,
      replayed: res.headers['idempotent-replayed'] === 'true',
    };
  };

  // Register every user concurrently, then open the run's markets.
  const models: UserModel[] = await Promise.all(
    scenario.users.map(async () => ({
      user: await registerUser(t),
      grants: new Dec(1000),
      subsidies: new Dec(0),
      buys: new Dec(0),
      sells: new Dec(0),
      buyCount: 0,
      sellCount: 0,
      positions: new Map<string, string>(),
      createdMarkets: [],
    })),
  );
  stats.requests += models.length;

  const recordTrade = (model: UserModel, owner: number, body: ApiBody<TradeResultResponse>) => {
    const trade = body.data.trade;
    // A sale that pays 0.00 (a few millionths of a share, rounded down) moves no credit
    // and writes no ledger row.
    if (trade.side === 'buy') {
      model.buys = model.buys.plus(trade.amount);
      model.buyCount++;
    } else if (!new Dec(trade.amount).isZero()) {
      model.sells = model.sells.plus(trade.amount);
      model.sellCount++;
    }
    if (!model.positions.has(body.data.position.id)) {
      positionOwners.push({ id: body.data.position.id, owner });
    }
    model.positions.set(body.data.position.id, body.data.position.shares);
  };

  const create = async (index: number, liquidity: string, initial: Op & { kind: 'create' }) => {
    const model = models[index];
    const res = await send(
      `user ${index} create`,
      {
        method: 'POST',
        url: '/api/markets',
        headers: model.user.auth,
        payload: {
          name: `Model market ${run} ${markets.length}`,
          closesAt: inDays(30),
          liquidity,
          ...(initial.initial ? { initialPosition: initial.initial } : {}),
        },
      },
      EXPECTED.create,
    );
    if (res.status !== 201) return;
    markets.push({ id: res.body.data.id, creator: index });
    model.createdMarkets.push(res.body.data.id);
    const [{ subsidy }] = await sql(t, `SELECT subsidy FROM markets WHERE id = $1`, [
      res.body.data.id,
    ]);
    // The creator pays at least the market maker's worst-case loss, b·ln 2, to the cent.
    const worstLoss = new Dec(liquidity).times(Dec.ln(2)).toDecimalPlaces(2, Decimal.ROUND_UP);
    if (new Dec(subsidy).lt(worstLoss))
      problems.push(`subsidy ${subsidy} < b·ln2 ${worstLoss.toFixed(2)}`);
    model.subsidies = model.subsidies.plus(subsidy);
    if (initial.initial) {
      model.buys = model.buys.plus(initial.initial.amount);
      model.buyCount++;
    }
  };

  // The run's markets: opened by the first users (these are create operations too).
  await Promise.all(
    scenario.markets.map((liquidity, i) =>
      create(i % models.length, liquidity, { kind: 'create', liquidity, initial: null }),
    ),
  );
  stats.operations += scenario.markets.length;

  const act = async (index: number, op: Op, step: number) => {
    const model = models[index];
    const label = `user ${index} step ${step} ${op.kind}`;
    const key = `${run}-${index}-${step}`;
    const marketAt = (n: number) => markets[n % markets.length];
    switch (op.kind) {
      case 'buy':
      case 'buyWithLimit': {
        const market = marketAt(op.market);
        const payload: Record<string, unknown> = {
          marketId: market.id,
          outcome: op.outcome,
          amount: op.amount,
          ...(op.kind === 'buyWithLimit' ? { maxProbability: op.max } : {}),
        };
        const keyed = op.kind === 'buy' && op.keyed;
        const request = {
          method: 'POST' as const,
          url: '/api/positions',
          headers: { ...model.user.auth, ...(keyed ? { 'idempotency-key': key } : {}) },
          payload,
        };
        const res = await send(label, request, EXPECTED[op.kind]);
        if (res.status === 201) recordTrade(model, index, res.body);
        if (keyed) model.lastKeyed = { ...request, key, kind: 'buy', ...res };
        return;
      }
      case 'sell': {
        const mine = [...model.positions.entries()];
        if (mine.length === 0) return act(index, { kind: 'read', what: 'me', pick: 0 }, step);
        const [positionId, held] = mine[op.pick % mine.length];
        const payload: { shares?: string } =
          op.fraction === 'all'
            ? {}
            : op.fraction === 'half'
              ? { shares: new Dec(held).div(2).toFixed(6, Decimal.ROUND_DOWN) }
              : { shares: new Dec(held).plus(1).toFixed(6) };
        const request = {
          method: 'POST' as const,
          url: `/api/positions/${positionId}/sell`,
          headers: { ...model.user.auth, ...(op.keyed ? { 'idempotency-key': key } : {}) },
          payload,
        };
        // Half of 0.000001 shares rounds to 0, which is not a valid amount to sell.
        const zero = payload.shares !== undefined && new Dec(payload.shares).isZero();
        const res = await send(label, request, zero ? [400] : EXPECTED.sell);
        if (res.status === 200) recordTrade(model, index, res.body);
        if (op.keyed) model.lastKeyed = { ...request, key, kind: 'sell', ...res };
        return;
      }
      case 'sellOthers': {
        const others = positionOwners.filter((p) => p.owner !== index);
        if (others.length === 0) return;
        const target = others[op.pick % others.length];
        await send(
          label,
          {
            method: 'POST',
            url: `/api/positions/${target.id}/sell`,
            headers: model.user.auth,
            payload: {},
          },
          EXPECTED.sellOthers,
        );
        return;
      }
      case 'retry':
      case 'reuse': {
        const last = model.lastKeyed;
        if (!last) return;
        const payload =
          op.kind === 'retry'
            ? last.payload
            : last.kind === 'buy'
              ? {
                  ...last.payload,
                  amount: new Dec(String(last.payload.amount)).plus('0.01').toFixed(2),
                }
              : { ...last.payload, minProceeds: '0.00' };
        // Successes and final refusals (API.md, Idempotency) are stored with the key; any
        // other answer was not: it runs again, and may be refused again, e.g. a reuse adding
        // 0.01 to an amount already at the maximum is a 400.
        const stored =
          (last.status >= 200 && last.status < 300) ||
          STORED_REFUSALS.includes(last.body?.error?.code);
        // A reuse whose changed body is invalid (an amount pushed past the maximum, which a
        // stored refusal may have asked for) is a 400 before the key is looked at.
        const expected = stored
          ? op.kind === 'retry'
            ? [last.status]
            : [400, 422]
          : [400, ...EXPECTED[last.kind]];
        const res = await send(
          `${label} of ${last.kind}`,
          {
            method: 'POST',
            url: last.url,
            headers: { ...model.user.auth, 'idempotency-key': last.key },
            payload,
          },
          expected,
        );
        if (stored && op.kind === 'retry') {
          stats.replays++;
          if (!res.replayed) problems.push(`${label}: a stored key was not replayed`);
          // Same JSON value (the stored copy is jsonb, so key order may differ); a stored
          // refusal comes back as the same error.
          const same =
            last.status < 300
              ? isDeepStrictEqual(res.body?.data, last.body.data)
              : res.body?.error?.code === last.body.error.code &&
                isDeepStrictEqual(res.body?.error?.details, last.body.error.details);
          if (!same) {
            problems.push(`${label}: the replay differs from the original response`);
          }
        } else if (stored) {
          const code = res.body?.error?.code;
          if (code !== 'IDEMPOTENCY_KEY_REUSED' && code !== 'VALIDATION_FAILED') {
            problems.push(
              `${label}: ${res.status} ${res.body?.error?.code}, not IDEMPOTENCY_KEY_REUSED`,
            );
          }
        } else if (res.status >= 200 && res.status < 300) {
          // The original was refused, so nothing was stored: this one ran as new.
          if (res.replayed) problems.push(`${label}: replayed a request that was never stored`);
          recordTrade(model, index, res.body);
          model.lastKeyed = { ...last, payload, ...res };
        }
        return;
      }
      case 'create':
        return create(index, op.liquidity, op);
      case 'resolve': {
        // Markets resolved early would leave little to trade: resolve in the last quarter.
        if (step < (SIZE.opsPerUser * 3) / 4) {
          return act(index, { kind: 'read', what: 'market', pick: op.pick }, step);
        }
        const own = model.createdMarkets;
        // Mostly the user's own market; sometimes the admin resolves any market.
        const byAdmin = own.length === 0 || op.pick % 4 === 0;
        const marketId = byAdmin ? marketAt(op.pick).id : own[op.pick % own.length];
        const res = await send(
          label,
          {
            method: 'POST',
            url: `/api/markets/${marketId}/resolve`,
            headers: (byAdmin ? admin : model.user).auth,
            payload: { outcome: op.outcome },
          },
          EXPECTED.resolve,
        );
        if (res.status === 202) {
          if (resolved.has(marketId)) problems.push(`${label}: resolved ${marketId} twice`);
          resolved.add(marketId);
        }
        return;
      }
      case 'grant': {
        const res = await send(
          label,
          {
            method: 'POST',
            url: `/api/users/${model.user.id}/credits`,
            headers: admin.auth,
            payload: { amount: op.amount, reason: 'model grant' },
          },
          EXPECTED.grant,
        );
        if (res.status === 201) model.grants = model.grants.plus(op.amount);
        return;
      }
      case 'read': {
        const mine = [...model.positions.keys()];
        const url =
          op.what === 'market'
            ? `/api/markets/${marketAt(op.pick).id}`
            : op.what === 'position' && mine.length > 0
              ? `/api/positions/${mine[op.pick % mine.length]}`
              : op.what === 'ledger'
                ? '/api/me/ledger?limit=5'
                : op.what === 'trades'
                  ? '/api/me/trades?limit=5'
                  : '/api/auth/me';
        await send(label, { method: 'GET', url, headers: model.user.auth }, EXPECTED.read);
        return;
      }
    }
  };

  await Promise.all(
    scenario.users.map(async (ops, index) => {
      for (const [step, op] of ops.entries()) {
        await act(index, op, step);
        stats.operations++;
      }
    }),
  );

  // The admin resolves some of the run's markets (already resolved ones answer 409).
  await Promise.all(
    scenario.finally.map(async (outcome, i) => {
      const market = markets[i];
      if (!outcome || !market) return;
      const res = await send(
        `admin resolves market ${i}`,
        {
          method: 'POST',
          url: `/api/markets/${market.id}/resolve`,
          headers: admin.auth,
          payload: { outcome },
        },
        EXPECTED.resolve,
      );
      stats.operations++;
      if (res.status === 202) {
        if (resolved.has(market.id)) problems.push(`market ${i} resolved twice`);
        resolved.add(market.id);
      }
    }),
  );

  // Settlement runs in the background (APP_ROLE=all: the worker is in process).
  stats.resolved += resolved.size;
  const deadline = Date.now() + (SOAK ? 120_000 : 30_000);
  for (;;) {
    const [{ n }] = await sql(
      t,
      `SELECT count(*)::int AS n FROM markets WHERE id = ANY($1::uuid[]) AND settled_at IS NULL`,
      [[...resolved]],
    );
    if (n === 0) break;
    if (Date.now() > deadline) {
      problems.push(`${n} resolved markets not settled in time`);
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  problems.push(...(await moneyViolations(t)));

  // The ledger says exactly what the API told each user.
  const ledger = await sql(
    t,
    `SELECT user_id, kind, sum(amount)::text AS total, count(*)::int AS n FROM ledger_entries
     WHERE user_id = ANY($1::uuid[]) AND kind IN ('grant', 'subsidy', 'buy', 'sell')
     GROUP BY user_id, kind`,
    [models.map((m) => m.user.id)],
  );
  for (const [index, model] of models.entries()) {
    const row = (kind: string) =>
      ledger.find((r) => r.user_id === model.user.id && r.kind === kind) ?? { total: '0', n: 0 };
    const expect = (kind: string, actual: { total: string; n: number }, total: Dec, n?: number) => {
      if (!new Dec(actual.total).abs().eq(total) || (n !== undefined && actual.n !== n)) {
        problems.push(
          `user ${index} ${kind}: ledger ${actual.total} in ${actual.n} rows, the API said ${total.toFixed(2)}` +
            (n !== undefined ? ` in ${n}` : ''),
        );
      }
    };
    expect('grant', row('grant'), model.grants);
    expect('subsidy', row('subsidy'), model.subsidies);
    expect('buy', row('buy'), model.buys, model.buyCount);
    expect('sell', row('sell'), model.sells, model.sellCount);
  }

  // Positions hold what their owner was last told; winners got floor(shares, 2).
  const known = models.flatMap((m) => [...m.positions.entries()]);
  const rows = await sql(
    t,
    `SELECT p.id, p.shares, p.outcome, m.status, m.outcome AS result, m.settled_at,
            (SELECT amount FROM ledger_entries l WHERE l.reference_id = p.id AND l.kind = 'payout') AS paid
     FROM positions p JOIN markets m ON m.id = p.market_id WHERE m.id = ANY($1::uuid[])`,
    [markets.map((m) => m.id)],
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const [id, shares] of known) {
    if (byId.get(id)?.shares !== shares) {
      problems.push(
        `position ${id}: ${byId.get(id)?.shares} shares, its last response said ${shares}`,
      );
    }
  }
  for (const row of rows) {
    if (row.status !== 'resolved' || !row.settled_at) continue;
    const floor = new Dec(row.shares).toDecimalPlaces(2, Decimal.ROUND_DOWN);
    const due = row.outcome === row.result && floor.gt(0) ? floor.toFixed(2) : null;
    if (row.paid !== due) {
      problems.push(
        `position ${row.id} (${row.shares} ${row.outcome}, ${row.result} won): paid ${row.paid}, due ${due}`,
      );
    }
  }
  return problems;
}

describe('money model (fast-check, concurrent users over HTTP)', () => {
  let t: TestApp;
  let admin: TestUser;

  beforeAll(async () => {
    t = await createTestApp({ env: ADMIN_ENV });
    admin = await loginAdmin(t);
  });
  afterAll(() => t.close());

  it(
    `keeps every money invariant over ${SIZE.runs} runs of ${SIZE.users} users × ${SIZE.opsPerUser} operations`,
    async () => {
      const started = Date.now();
      const stats: RunStats = { operations: 0, requests: 0, statuses: {}, replays: 0, resolved: 0 };
      const found: string[] = [];
      // fc.check rather than fc.assert: a counterexample here is a 100 kB scenario, so the
      // report is the seed and path to replay it plus what went wrong.
      const details = await fc.check(
        fc.asyncProperty(scenarioArb, async (scenario) => {
          const problems = await runScenario(t, admin, scenario, stats);
          found.push(...problems);
          return problems.length === 0;
        }),
        { seed: SEED, numRuns: SIZE.runs, endOnFailure: true },
      );
      const summary = {
        mode: SOAK ? 'soak' : 'short',
        seed: SEED,
        runs: SIZE.runs,
        users: SIZE.users,
        markets: SIZE.markets,
        ...stats,
        durationMs: Date.now() - started,
        violations: found.length,
      };
      console.log(`money model: ${JSON.stringify(summary)}`);
      expect(
        { failed: details.failed, seed: details.seed, path: details.counterexamplePath, found },
        details.failed ? String(details.errorInstance as Error) : undefined,
      ).toEqual({ failed: false, seed: SEED, path: null, found: [] });
      expect(stats.operations).toBeGreaterThanOrEqual(SIZE.runs * SIZE.users * SIZE.opsPerUser);
    },
    SOAK ? 900_000 : 60_000,
  );
});
