import { writeFile } from 'node:fs/promises';
import type { Pool } from 'pg';
import {
  accessToken,
  activeMarketIds,
  ensureSeeded,
  fundedUsers,
  moneyCheck,
} from '../lib/fixtures';
import { defineScenario } from '../lib/registry';
import { SqlStatement } from '../../src/database/sql';
import { outboxInsertCte } from '../../src/modules/events/outbox.repository';
import { MarketsRepository } from '../../src/modules/markets/markets.repository';
import { PositionsRepository } from '../../src/modules/trading/positions.repository';
import { TradesRepository, tradeStatement } from '../../src/modules/trading/trades.repository';
import { ledgerAppendCtes } from '../../src/modules/users/ledger.repository';
import type { BenchContext, LoadRequest } from '../lib/types';

const USERS = 100;
const MARKETS = 100;
const AMOUNT = '1.00';

/** Stand-ins for the buyer's and the market's ids while the statement is built. */
const USER_ID = '00000000-0000-4000-8000-00000000000u';
const MARKET_ID = '00000000-0000-4000-8000-00000000000m';

/** Stand-in for the market row's version (`xmin`) a guarded statement is quoted at. */
const VERSION = 'market-version';

/**
 * The trade statement one `POST /api/positions` (buy, no Idempotency-Key) sends, built by the
 * API's own code (the repositories' CTE parts, `TradingService.recordTrade`'s order) with
 * the LMSR results precomputed (pgbench cannot run the maths): 1.98 shares for 1.00 credit.
 * `guarded`: the form a key-less buy sends in autocommit (written only while the market row
 * is still the version read); otherwise the form sent under the market's lock.
 * `ids(user, market)` says how the ids are written (pgbench variables, plpgsql
 * names); every other value is a literal.
 */
function buyStatement(
  ids: (user: string, market: string) => Record<string, string>,
  guarded = false,
): string {
  const sql = new SqlStatement();
  const parts = [
    // q_yes grows as ours does; outcome_q mirrors it (markets_binary_q_check).
    new MarketsRepository(null!).applyTradeCte(sql, 'market', MARKET_ID, {
      outcomeQ: ['1.98', '0'],
      probability: '0.504950',
      collateralDelta: AMOUNT,
      volumeDelta: AMOUNT,
      quotedAtVersion: guarded ? VERSION : undefined,
    }),
    new PositionsRepository(null!).buyCte(
      sql,
      'position',
      { userId: USER_ID, marketId: MARKET_ID, outcome: 'YES', shares: '1.98', amount: AMOUNT },
      guarded ? 'market' : undefined,
    ),
    new TradesRepository(null!).insertCte(sql, 'trade', 'position', {
      marketId: MARKET_ID,
      userId: USER_ID,
      side: 'buy',
      outcome: 'YES',
      shares: '1.98',
      amount: AMOUNT,
      probabilityBefore: '0.500000',
      probabilityAfter: '0.504950',
      initial: false,
      probabilitiesAfter: ['0.504950', '0.495050'],
    }),
    ledgerAppendCtes(
      sql,
      'ledger',
      { userId: USER_ID, kind: 'buy', amount: `-${AMOUNT}`, marketId: MARKET_ID },
      { from: 'trade', column: 'trade.id' },
      guarded,
    ),
    outboxInsertCte(
      sql,
      'event',
      MARKET_ID,
      { version: 2, type: 'trade.executed', marketId: MARKET_ID, data: { bench: 'pgbench' } },
      { from: 'trade', key: 'tradeId', column: 'trade.id' },
    ),
  ];
  const text = tradeStatement(parts, {
    position: 'position',
    trade: 'trade',
    ledger: 'ledger',
    guardedMarket: guarded ? 'market' : undefined,
  });
  const names = { ...ids(USER_ID, MARKET_ID), [VERSION]: ':ver' };
  return text.replace(/\$(\d+)/g, (_, n: string) => literal(sql.params[Number(n) - 1], names));
}

/** A bound value as SQL text: the statement binds strings, string arrays, booleans, null. */
function literal(value: unknown, ids: Record<string, string>): string {
  if (value === null) return 'NULL';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'string' && value in ids) return ids[value];
  const text = Array.isArray(value) ? `{${value.join(',')}}` : (value as string);
  return `'${text.replace(/'/g, "''")}'`;
}

/** The market's lock, as `MarketsRepository.lockForUpdate` takes it (every column read). */
const LOCK = (market: string) =>
  `SELECT m.*, clock_timestamp() AS "lockedAt" FROM markets m WHERE m.id = ${market} FOR UPDATE`;

const PICK_IDS = `\\set u random(1, :nusers)
\\set m random(1, :nmarkets)
SELECT user_id AS uid FROM bench_trade_users WHERE n = :u \\gset
SELECT market_id AS mid FROM bench_trade_markets WHERE n = :m \\gset
`;

/**
 * What ours sends for a key-less buy of a market it has not just written: the committed row
 * with its version (`MarketsRepository.readForTrade`; every column here), then the guarded
 * trade statement in autocommit. (Ours skips the read when it wrote the market's last
 * version itself.) The ids come from lookup tables by random number first.
 */
const PGBENCH_SAME_SQL = () =>
  PICK_IDS +
  `SELECT m.*, m.xmin::text AS ver FROM markets m WHERE m.id = :mid \\gset
${oneLine(buyStatement(() => ({ [USER_ID]: ':uid', [MARKET_ID]: ':mid' }), true))};
`;

/**
 * What ours sends for a buy it runs locked (with an Idempotency-Key, or when the guarded
 * statement found the market moved): BEGIN, the lock, the trade statement, COMMIT. On one
 * hot market this is the reference: pgbench's clients cannot take turns as the API's buys
 * of one market do, so its guarded statements would mostly find the market moved and write
 * nothing (yet count as transactions).
 */
const PGBENCH_LOCKED = () =>
  PICK_IDS +
  `BEGIN;
${LOCK(':mid')};
${oneLine(buyStatement(() => ({ [USER_ID]: ':uid', [MARKET_ID]: ':mid' })))};
COMMIT;
`;

/** The same lock and writes as ONE round trip: a plpgsql function, called in autocommit. */
const ONE_TRIP_FUNCTION = () => `CREATE OR REPLACE FUNCTION bench_buy_one_trip(uid uuid, mid uuid)
RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE written record;
BEGIN
  PERFORM ${LOCK('mid').replace(/^SELECT /, '')};
  ${buyStatement(() => ({ [USER_ID]: 'uid', [MARKET_ID]: 'mid' })).replace(
    /\n\s*FROM position, trade$/,
    ' INTO written FROM position, trade',
  )};
END $fn$`;

const PGBENCH_ONE_TRIP = PICK_IDS + 'SELECT bench_buy_one_trip(:uid, :mid);\n';

/** pgbench reads one statement per line. */
function oneLine(statement: string): string {
  return statement.replace(/\s*\n\s*/g, ' ').trim();
}

/** Lookup tables mapping 1..n to the uuids pgbench trades with (kept apart from the API's). */
async function pgbenchTables(db: Pool, users: string[], markets: string[]): Promise<void> {
  await db.query(`DROP TABLE IF EXISTS bench_trade_users, bench_trade_markets`);
  await db.query(`CREATE TABLE bench_trade_users (n int PRIMARY KEY, user_id uuid NOT NULL)`);
  await db.query(`CREATE TABLE bench_trade_markets (n int PRIMARY KEY, market_id uuid NOT NULL)`);
  await db.query(
    `INSERT INTO bench_trade_users SELECT i, u FROM unnest($1::uuid[]) WITH ORDINALITY AS x(u, i)`,
    [users],
  );
  await db.query(
    `INSERT INTO bench_trade_markets SELECT i, m FROM unnest($1::uuid[]) WITH ORDINALITY AS x(m, i)`,
    [markets],
  );
}

function buyRequests(ctx: BenchContext, users: string[], markets: string[]): LoadRequest[] {
  const tokens = users.map((id) => accessToken(ctx, id));
  let seed = 42;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  return Array.from({ length: 10_000 }, () => ({
    method: 'POST' as const,
    path: '/api/positions',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${tokens[random(tokens.length)]}`,
    },
    body: JSON.stringify({
      marketId: markets[random(markets.length)],
      outcome: 'YES',
      amount: AMOUNT,
    }),
  }));
}

type Reference = 'same-sql' | 'one-trip';

async function runTrades(ctx: BenchContext, hot: boolean, reference: Reference) {
  // Ours and pgbench trade on different markets (same users), so pgbench's precomputed
  // q/probability updates never feed the API's LMSR.
  const marketCount = hot ? 1 : MARKETS;
  const all = await activeMarketIds(ctx.db, 2 * MARKETS + 2);
  const oursMarkets = all.slice(0, marketCount);
  const pgbenchMarkets = all.slice(MARKETS + 1, MARKETS + 1 + marketCount);
  const users = await fundedUsers(ctx.db, USERS);
  if (users.length < USERS) throw new Error(`only ${users.length} seed users`);
  await pgbenchTables(ctx.db, users, pgbenchMarkets);
  if (reference === 'one-trip') await ctx.db.query(ONE_TRIP_FUNCTION());
  const requests = buyRequests(ctx, users, oursMarkets);
  await probe(ctx, requests[0]);
  // For `bench/profile.ts --spec`: the same buys, tokens minted for BENCH_JWT_SECRET.
  const specOut = process.env.BENCH_TRADES_SPEC_OUT;
  if (specOut)
    await writeFile(
      `${specOut}-${hot ? 'hot' : 'spread'}.json`,
      JSON.stringify({ cycle: requests, method: 'POST' }),
    );

  const script =
    reference === 'one-trip' ? PGBENCH_ONE_TRIP : hot ? PGBENCH_LOCKED() : PGBENCH_SAME_SQL();
  const points = await ctx.sideBySide(
    (connections, duration) =>
      ctx.load({ url: ctx.apiUrl, cycle: requests, connections, duration }),
    (connections, duration) =>
      ctx.pgbench({
        script,
        clients: connections,
        duration,
        variables: { nusers: USERS, nmarkets: marketCount },
      }),
  );
  await ctx.db.query(`DELETE FROM outbox_events WHERE payload->'data'->>'bench' = 'pgbench'`);
  return { points, books: await checkBooks(ctx) };
}

async function probe(ctx: BenchContext, request: LoadRequest): Promise<void> {
  const res = await fetch(`${ctx.apiUrl}${request.path}`, {
    method: request.method,
    headers: request.headers,
    body: request.body,
  });
  if (res.status !== 201)
    throw new Error(`${request.path} answered ${res.status}: ${await res.text()}`);
}

async function checkBooks(ctx: BenchContext) {
  const books = await moneyCheck(ctx.db);
  ctx.log(
    `books: Σ balances ${books.balances} + Σ collateral ${books.collateral} − Σ grants ${books.grants} = ${books.difference}`,
  );
  return books;
}

/** `count` fresh markets of `n` outcomes (labels "Candidate 1" …), made through the API. */
async function outcomeMarkets(
  ctx: BenchContext,
  token: string,
  n: number,
  count: number,
): Promise<{ id: string; outcomes: string[] }[]> {
  const made = [];
  for (let i = 0; i < count; i++) {
    const res = await fetch(`${ctx.apiUrl}/api/markets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        name: `Bench: who wins race ${i + 1} of ${n} candidates?`,
        closesAt: new Date(Date.now() + 365 * 86_400_000).toISOString(),
        outcomes: Array.from({ length: n }, (_, k) => ({ label: `Candidate ${k + 1}` })),
      }),
    });
    if (res.status !== 201) throw new Error(`create answered ${res.status}: ${await res.text()}`);
    const { data } = (await res.json()) as { data: { id: string; outcomes: { id: string }[] } };
    made.push({ id: data.id, outcomes: data.outcomes.map((o) => o.id) });
  }
  return made;
}

/** Buys over N-outcome markets (a random outcome each) against the same on binary markets. */
async function runOutcomeTrades(ctx: BenchContext, n: number) {
  const users = await fundedUsers(ctx.db, USERS);
  const binary = (await activeMarketIds(ctx.db, 3 * MARKETS)).slice(2 * MARKETS + 2);
  const multi = await outcomeMarkets(ctx, accessToken(ctx, users[0]), n, binary.length);
  const tokens = users.map((id) => accessToken(ctx, id));
  let seed = 7;
  const random = (k: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % k;
  };
  const buy = (marketId: string, outcome: string): LoadRequest => ({
    method: 'POST',
    path: '/api/positions',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${tokens[random(tokens.length)]}`,
    },
    body: JSON.stringify({ marketId, outcome, amount: AMOUNT }),
  });
  const oursRequests = Array.from({ length: 10_000 }, () => {
    const market = multi[random(multi.length)];
    return buy(market.id, market.outcomes[random(n)]);
  });
  const binaryRequests = Array.from({ length: 10_000 }, () =>
    buy(binary[random(binary.length)], random(2) ? 'YES' : 'NO'),
  );
  await probe(ctx, oursRequests[0]);
  await probe(ctx, binaryRequests[0]);
  const points = await ctx.sideBySide(
    (connections, duration) =>
      ctx.load({ url: ctx.apiUrl, cycle: oursRequests, connections, duration }),
    (connections, duration) =>
      ctx.load({ url: ctx.apiUrl, cycle: binaryRequests, connections, duration }),
  );
  return { points, books: await checkBooks(ctx), markets: multi.length };
}

const COMMON =
  'Each buy is 1.00 credit of YES, without an Idempotency-Key, by 100 seed users topped up ' +
  'to 1,000,000 credits (a `grant` ledger row), with access tokens signed like ' +
  '`TokenService` does with the bench API’s `JWT_SECRET`. After the run the books are ' +
  'checked: Σ balances + Σ collateral = Σ grants.';

const SAME_SQL =
  'The reference is pgbench sending what ours sends for one key-less buy of a market it did ' +
  'not just write, built by the API’s own code: the market row with its version ' +
  '(`SELECT … xmin`), then the ONE trade statement in autocommit, guarded by that version ' +
  '(CTEs: market update, positions upsert, trade insert, balance + ledger row, outbox ' +
  'insert); the LMSR results precomputed, `-M prepared`, one client per connection, on ' +
  'other markets than ours (so its constant prices never reach the API). Ours skips the ' +
  'read when it wrote the market’s last version itself.';

const LOCKED_SQL =
  'The reference is pgbench sending what ours sends for a buy it runs locked (with an ' +
  'Idempotency-Key, or when its guarded statement found the market moved), built by the ' +
  'API’s own code: BEGIN, the market’s `SELECT … FOR UPDATE`, the ONE trade statement, ' +
  'COMMIT; the LMSR results precomputed, `-M prepared`, one client per connection. ' +
  'pgbench’s clients cannot take turns as ours do, so on one market its guarded statements ' +
  'would mostly write nothing; the locked form is the fair reference there.';

const ONE_TRIP =
  'The reference is pgbench making the same buy in ONE round trip: a plpgsql function ' +
  '(`bench_buy_one_trip`) that takes the market’s lock and runs the same trade statement, ' +
  'called in autocommit, so the lock is held only inside PostgreSQL.';

const HOT_NOTE =
  'On one market the row lock serialises every buy, so throughput is 1 ÷ lock hold time. ' +
  'Ours takes turns inside the API process (MarketTurns) and quotes each buy at the state ' +
  'the previous one wrote, so a buy is the LMSR quote plus ONE guarded statement, the lock ' +
  'held only inside PostgreSQL for that statement; pgbench’s locked form holds it from the ' +
  'lock’s answer to COMMIT.';

const booksNote = (books: Awaited<ReturnType<typeof moneyCheck>>) =>
  `Books after the run: Σ balances ${books.balances} + Σ collateral ${books.collateral} − ` +
  `Σ grants ${books.grants} = ${books.difference} (${Number(books.difference) === 0 ? 'balanced' : 'NOT balanced'}).`;

const tradeScenario = (name: string, hot: boolean, reference: Reference) =>
  defineScenario({
    name,
    description:
      (hot
        ? 'Buys on ONE hot market: every request and every pgbench transaction locks the same market row. '
        : `Buys spread over ${MARKETS} markets: \`POST /api/positions\`, each request a random (user, market) pair. `) +
      `${COMMON} ${reference === 'one-trip' ? ONE_TRIP : hot ? LOCKED_SQL : SAME_SQL}`,
    target:
      reference === 'one-trip'
        ? {
            kind: 'throughput-ratio',
            min: 0.4,
            text: 'ours ≥ 40 % of pgbench’s one-round-trip transactions/s',
          }
        : { kind: 'throughput-ratio', min: 0.5, text: 'ours ≥ 50 % of pgbench’s transactions/s' },
    prepare: (ctx) => ensureSeeded(ctx),
    async run(ctx) {
      const { points, books } = await runTrades(ctx, hot, reference);
      return {
        oursLabel: 'ours',
        referenceLabel:
          reference === 'one-trip'
            ? 'pgbench (one round trip)'
            : hot
              ? 'pgbench (locked form)'
              : 'pgbench (same SQL)',
        points,
        notes: [...(hot ? [HOT_NOTE] : []), booksNote(books)],
      };
    },
  });

const outcomesScenario = (n: number) =>
  defineScenario({
    name: `trades-n${n}`,
    description:
      `Buys of a random outcome spread over ${MARKETS - 2} markets of ${n} outcomes (made through the ` +
      `API before the run; lmsr-n.ts, one exponential per outcome), against the same buys on ` +
      `${MARKETS - 2} binary markets (YES or NO), both through the API. ${COMMON}`,
    target: { kind: 'throughput-ratio', min: 0, text: 'report only (no fixed target)' },
    prepare: (ctx) => ensureSeeded(ctx),
    async run(ctx) {
      const { points, books } = await runOutcomeTrades(ctx, n);
      return {
        oursLabel: `${n} outcomes`,
        referenceLabel: 'binary',
        points,
        notes: [booksNote(books)],
      };
    },
  });

export const scenarios = [
  tradeScenario('trades', false, 'same-sql'),
  tradeScenario('trades-hot', true, 'same-sql'),
  tradeScenario('trades-hot-1rt', true, 'one-trip'),
  outcomesScenario(2),
  outcomesScenario(5),
  outcomesScenario(20),
];
