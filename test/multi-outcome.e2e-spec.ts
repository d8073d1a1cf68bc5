import { buy, createMarket, inDays, sell } from './factories/markets';
import { ADMIN_ENV, loginAdmin, registerUser, TestUser, userWithRole } from './factories/users';
import { api } from './support/api';
import type { AnyMarketResponse, CandleResponse, QuoteResponse } from './support/api-types';
import { expectError } from './support/errors';
import { expectValidPayload, payloadValidators } from './support/asyncapi';
import { ASYNCAPI_DOCUMENT_PATH } from '../src/asyncapi/asyncapi-document';
import { moneySnapshot, moneyViolations } from './support/invariants';
import { sql } from './support/sql';
import { createTestApp, TestApp } from './support/test-app';

/**
 * Markets with more than two outcomes (issue 16, API.md "Markets with more than two
 * outcomes"). The amounts are the worked example of docs/trading.md: three candidates,
 * b = 100, subsidy 100 · ln 3 = 109.8612… → 109.87.
 */
const CANDIDATES = [{ label: 'Ada Lovelace' }, { label: 'Grace Hopper' }, { label: 'Alan Turing' }];

describe('markets with more than two outcomes', () => {
  let t: TestApp;
  let creator: TestUser;

  const createMulti = (user: TestUser, body: Record<string, unknown>) =>
    api(t).post<AnyMarketResponse>(
      '/api/markets',
      { name: 'Who wins the Zephyrian election?', closesAt: inDays(7), ...body },
      user.auth,
    );
  const resolve = (user: TestUser, marketId: string, outcome: string) =>
    api(t).post<{ market: AnyMarketResponse; jobId: string }>(
      `/api/markets/${marketId}/resolve`,
      { outcome },
      user.auth,
    );
  const quote = (marketId: string, query: string) =>
    api(t).get<QuoteResponse>(`/api/markets/${marketId}/quote?${query}`);
  const waitForSettled = (marketId: string) =>
    vi.waitFor(
      async () => {
        const [row] = await sql(t, `SELECT settled_at FROM markets WHERE id = $1`, [marketId]);
        expect(row.settled_at).not.toBeNull();
      },
      { timeout: 20_000, interval: 100 },
    );
  const balance = async (user: TestUser) =>
    (await sql(t, `SELECT balance FROM users WHERE id = $1`, [user.id]))[0].balance as string;

  beforeAll(async () => {
    t = await createTestApp({ env: ADMIN_ENV });
    creator = await registerUser(t);
  });
  afterAll(() => t.close());
  afterEach(async () => {
    expect(await moneyViolations(t)).toEqual([]);
  });

  describe('refusals: each a 4xx with the envelope, nothing written', () => {
    it.each<[string, Record<string, unknown>, string]>([
      [
        'duplicate labels',
        { outcomes: [{ label: 'Ada' }, { label: 'Bob' }, { label: 'Ada' }] },
        'outcomes',
      ],
      [
        'labels equal but for case and spaces',
        { outcomes: [{ label: 'Ada' }, { label: ' ada ' }] },
        'outcomes',
      ],
      ['1 outcome', { outcomes: [{ label: 'Ada' }] }, 'outcomes'],
      [
        '21 outcomes',
        { outcomes: Array.from({ length: 21 }, (_, i) => ({ label: `Candidate ${i}` })) },
        'outcomes',
      ],
      ['no outcomes', { outcomes: [] }, 'outcomes'],
      ['an empty label', { outcomes: [{ label: 'Ada' }, { label: '' }] }, 'outcomes.1.label'],
      ['a blank label', { outcomes: [{ label: 'Ada' }, { label: '   ' }] }, 'outcomes.1.label'],
      [
        'a label of 61 characters',
        { outcomes: [{ label: 'Ada' }, { label: 'x'.repeat(61) }] },
        'outcomes.1.label',
      ],
      [
        'a label that is not a string',
        { outcomes: [{ label: 'Ada' }, { label: 7 }] },
        'outcomes.1.label',
      ],
      ['an outcome that is not an object', { outcomes: [{ label: 'Ada' }, 'Bob'] }, 'outcomes.1'],
      ['outcomes: null', { outcomes: null }, 'outcomes'],
      [
        'an unknown field in an outcome',
        { outcomes: [{ label: 'Ada' }, { label: 'Bob', id: 'abcdefgh' }] },
        'outcomes.1.id',
      ],
      [
        'an initial position (its outcome has no id yet)',
        { outcomes: CANDIDATES, initialPosition: { outcome: 'YES', amount: '10' } },
        'initialPosition',
      ],
    ])('refuses a create with %s (400 naming the field)', async (_label, body, field) => {
      const before = await moneySnapshot(t);
      const res = await createMulti(creator, body);
      expectError(res, 'VALIDATION_FAILED');
      expect(Object.keys(res.json().error.details ?? {})).toContain(field);
      expect(await moneySnapshot(t)).toEqual(before);
    });

    it('refuses an outcome id of another market, and YES on a multi-outcome market, naming the ids', async () => {
      const market = (await createMulti(creator, { outcomes: CANDIDATES })).json().data;
      const other = (await createMulti(creator, { outcomes: CANDIDATES })).json().data;
      const trader = await registerUser(t);
      const ids = market.outcomes.map((outcome) => outcome.id);
      for (const outcome of [other.outcomes[0].id, 'YES']) {
        const before = await moneySnapshot(t);
        const res = await buy(t, trader, { marketId: market.id, outcome, amount: '10.00' });
        expectError(res, 'VALIDATION_FAILED');
        expect(res.json().error.details).toEqual({
          outcome: [`must be one of: ${ids.join(', ')}`],
        });
        expectError(await quote(market.id, `outcome=${outcome}&amount=10`), 'VALIDATION_FAILED');
        expect(await moneySnapshot(t)).toEqual(before);
      }
      // And a binary market refuses a multi-outcome market's id.
      const binary = await createMarket(t, creator);
      const res = await buy(t, trader, { marketId: binary.id, outcome: ids[0], amount: '10.00' });
      expectError(res, 'VALIDATION_FAILED');
      expect(res.json().error.details).toEqual({ outcome: ['must be one of: YES, NO'] });
    });

    it('refuses to resolve with an unknown id (400) and leaves the market active', async () => {
      const market = (await createMulti(creator, { outcomes: CANDIDATES })).json().data;
      const other = (await createMulti(creator, { outcomes: CANDIDATES })).json().data;
      for (const outcome of [other.outcomes[1].id, 'YES', 'NO']) {
        const before = await moneySnapshot(t);
        expectError(await resolve(creator, market.id, outcome), 'VALIDATION_FAILED');
        expect(await moneySnapshot(t)).toEqual(before);
      }
      expectError(await resolve(creator, market.id, 'MAYBE'), 'VALIDATION_FAILED');
      const [row] = await sql(t, `SELECT status FROM markets WHERE id = $1`, [market.id]);
      expect(row.status).toBe('active');
    });

    it('refuses to sell an outcome the caller does not hold (the existing errors)', async () => {
      const market = (await createMulti(creator, { outcomes: CANDIDATES })).json().data;
      const [holder, stranger] = await Promise.all([registerUser(t), registerUser(t)]);
      const bought = (
        await buy(t, holder, {
          marketId: market.id,
          outcome: market.outcomes[2].id,
          amount: '5.00',
        })
      ).json().data;
      const before = await moneySnapshot(t);
      // Someone else's position does not exist for the caller.
      expectError(await sell(t, stranger, bought.position.id), 'NOT_FOUND');
      // More shares than the position holds.
      expectError(
        await sell(t, holder, bought.position.id, { shares: '1000.000000' }),
        'INSUFFICIENT_SHARES',
      );
      expect(await moneySnapshot(t)).toEqual(before);
      // Once sold out, nothing is left to sell.
      expect((await sell(t, holder, bought.position.id)).statusCode).toBe(200);
      const emptied = await moneySnapshot(t);
      expectError(await sell(t, holder, bought.position.id), 'INSUFFICIENT_SHARES');
      expect(await moneySnapshot(t)).toEqual(emptied);
    });

    it('requires outcome for candles of a multi-outcome market, and an id of the market', async () => {
      const market = (await createMulti(creator, { outcomes: CANDIDATES })).json().data;
      expectError(
        await api(t).get(`/api/markets/${market.id}/history?interval=1h`),
        'VALIDATION_FAILED',
      );
      expectError(
        await api(t).get(`/api/markets/${market.id}/history?interval=1h&outcome=YES`),
        'VALIDATION_FAILED',
      );
    });
  });

  it('creates, quotes, buys, sells, resolves and settles a 3-outcome market to the cent (docs/trading.md)', async () => {
    const [ada, bob] = await Promise.all([registerUser(t), registerUser(t)]);
    const owner = await registerUser(t);

    const created = await createMulti(owner, { outcomes: CANDIDATES, tags: ['election'] });
    expect(created.statusCode).toBe(201);
    const market = created.json().data;
    expect(market.probability).toBeNull();
    expect(market.outcome).toBeNull();
    expect(market.outcomes).toEqual(
      CANDIDATES.map(({ label }) => ({
        id: expect.stringMatching(/^[a-z0-9]{8}$/),
        label,
        probability: 0.333333,
      })),
    );
    const [first, second, third] = market.outcomes.map((outcome) => outcome.id) as [
      string,
      string,
      string,
    ];
    expect(new Set([first, second, third]).size).toBe(3);
    // The subsidy is 100 · ln 3 rounded up.
    expect(await balance(owner)).toBe('890.13');

    // A quote moves nothing and agrees with the buy that follows.
    const quoted = await quote(market.id, `outcome=${first}&amount=50`);
    expect(quoted.json().data).toEqual({
      outcome: first,
      amount: '50.00',
      shares: '108.050392',
      averagePrice: '0.462747',
      probabilityBefore: 0.333333,
      probabilityAfter: 0.595646,
    });

    const adaBuy = await buy(t, ada, {
      marketId: market.id,
      outcome: first,
      amount: '50.00',
      maxProbability: 0.595646,
    });
    expect(adaBuy.statusCode).toBe(201);
    expect(adaBuy.json().data).toMatchObject({
      trade: { outcome: first, shares: '108.050392', amount: '50.00', probabilityAfter: 0.595646 },
      position: { outcome: first, shares: '108.050392', market: { probability: null } },
      balance: '950.00',
    });
    // maxProbability bounds the bought outcome's price.
    expectError(
      await buy(t, bob, {
        marketId: market.id,
        outcome: second,
        amount: '30.00',
        maxProbability: 0.4,
      }),
      'SLIPPAGE_EXCEEDED',
    );
    const bobBuy = await buy(t, bob, { marketId: market.id, outcome: second, amount: '30.00' });
    expect(bobBuy.json().data.trade).toMatchObject({
      shares: '100.446971',
      probabilityBefore: 0.202177,
      probabilityAfter: 0.408958,
    });

    const adaSell = await sell(t, ada, adaBuy.json().data.position.id, { shares: '20' });
    expect(adaSell.statusCode).toBe(200);
    expect(adaSell.json().data).toMatchObject({
      trade: { side: 'sell', outcome: first, shares: '20.000000', amount: '8.33' },
      balance: '958.33',
    });

    const read = (await api(t).get<AnyMarketResponse>(`/api/markets/${market.id}`)).json().data;
    expect(read.outcomes.map((outcome) => outcome.probability)).toEqual([
      0.392688, 0.444514, 0.162798,
    ]);
    const sum = read.outcomes.reduce((total, outcome) => total + outcome.probability, 0);
    expect(Math.abs(sum - 1)).toBeLessThan(3e-6);
    const [row] = await sql(t, `SELECT collateral, outcome_q::text FROM markets WHERE id = $1`, [
      market.id,
    ]);
    // 109.87 + 50.00 + 30.00 − 8.33
    expect(row).toEqual({ collateral: '181.54', outcome_q: '{88.050392,100.446971,0.000000}' });

    // Candles follow the chosen outcome through every trade, not only its own.
    const candles = (
      await api(t).get<CandleResponse[]>(
        `/api/markets/${market.id}/history?interval=1d&outcome=${second}`,
      )
    ).json().data;
    expect(candles).toHaveLength(1);
    expect(candles[0]).toMatchObject({ open: 0.333333, close: 0.444514, volume: '88.33' });

    const listed = (
      await api(t).get<AnyMarketResponse[]>(`/api/markets?outcomeCount=3&tag=election&limit=100`)
    ).json().data;
    expect(listed.map((item) => item.id)).toContain(market.id);
    expect(listed.every((item) => item.outcomes.length === 3)).toBe(true);

    const resolved = await resolve(owner, market.id, second);
    expect(resolved.statusCode).toBe(202);
    expect(resolved.json().data.market).toMatchObject({ status: 'resolved', outcome: second });
    await waitForSettled(market.id);

    // Bob's 100.446971 shares pay 1.00 each, rounded down; Ada's 88.050392 pay nothing; the
    // creator gets the rest: 181.54 − 100.44 = 81.10.
    expect(await balance(bob)).toBe('1070.44');
    expect(await balance(ada)).toBe('958.33');
    expect(await balance(owner)).toBe('971.23');
    const [settled] = await sql(t, `SELECT collateral FROM markets WHERE id = $1`, [market.id]);
    expect(settled.collateral).toBe('0.00');
  });

  it('CANCEL refunds a multi-outcome market as today: net investments back, the creator the rest', async () => {
    const trader = await registerUser(t);
    const owner = await registerUser(t);
    const market = (await createMulti(owner, { outcomes: CANDIDATES })).json().data;
    expect(await balance(owner)).toBe('890.13');
    await buy(t, trader, { marketId: market.id, outcome: market.outcomes[1].id, amount: '12.34' });
    // Someone else traded: only a moderator may cancel now.
    const before = await moneySnapshot(t);
    expectError(await resolve(owner, market.id, 'CANCEL'), 'CONFLICT');
    expect(await moneySnapshot(t)).toEqual(before);
    const moderator = await userWithRole(t, await loginAdmin(t), 'moderator');
    const cancelled = await resolve(moderator, market.id, 'CANCEL');
    expect(cancelled.statusCode).toBe(202);
    expect(cancelled.json().data.market).toMatchObject({ status: 'cancelled', outcome: null });
    await waitForSettled(market.id);
    expect(await balance(trader)).toBe('1000.00');
    expect(await balance(owner)).toBe('1000.00');
  });

  it("logs version-2 events with outcome ids and every outcome's probability, valid against the AsyncAPI document", async () => {
    const trader = await registerUser(t);
    const owner = await registerUser(t);
    const market = (await createMulti(owner, { outcomes: CANDIDATES })).json().data;
    const [first, second] = market.outcomes.map((outcome) => outcome.id);
    await buy(t, trader, { marketId: market.id, outcome: first, amount: '50.00' });
    expect((await resolve(owner, market.id, second)).statusCode).toBe(202);
    await waitForSettled(market.id);

    type LoggedEvent = { type: string; version: number; data: Record<string, unknown> };
    let events: LoggedEvent[] = [];
    await vi.waitFor(
      async () => {
        events = (
          await api(t).get<LoggedEvent[]>(`/api/events?after=0&limit=1000&marketId=${market.id}`)
        ).json().data!;
        expect(events.map((event) => event.type)).toEqual([
          'market.created',
          'trade.executed',
          'market.resolved',
          'market.settled',
        ]);
      },
      { timeout: 20_000, interval: 200 },
    );
    expect(events.every((event) => event.version === 2)).toBe(true);
    expect(events[0].data.outcomes).toEqual(
      market.outcomes.map(({ id, label }) => ({ id, label })),
    );
    expect(events[1].data).toMatchObject({
      outcome: first,
      probabilityBefore: '0.333333',
      probabilityAfter: '0.595646',
      outcomes: [
        { id: first, probability: '0.595646' },
        { id: second, probability: '0.202177' },
        { id: market.outcomes[2].id, probability: '0.202177' },
      ],
    });
    expect(events[2].data).toMatchObject({ resolution: second });
    expect(events[3].data).toMatchObject({ status: 'resolved', outcome: second });
    const served: unknown = (
      await t.request({ method: 'GET', url: ASYNCAPI_DOCUMENT_PATH })
    ).json();
    const validators = await payloadValidators(served);
    for (const event of events) expectValidPayload(validators, '/api/stream', event.type, event);
  });
});
