import Decimal from 'decimal.js';
import fc from 'fast-check';
import { Dec } from '../../common/money/decimal';
import {
  LmsrInputError,
  cost,
  priceOf,
  quoteBuy,
  quoteSell,
  subsidyFor,
  type LmsrState,
  type Outcome,
} from './lmsr';

// ---------------------------------------------------------------------------------------
// An independent reference: the NAIVE textbook formulas (DOMAIN.md) at 100 digits.
// decimal.js's exponent range (±9e15) means e^(q/b) cannot overflow even at q/b = 5000,
// and 100 digits leave ~50 to spare over the module's 50, so these are exact to far better
// than 1e-9 in every case below. One caveat, by design of the naive forms: once the other
// outcome's price is below 1e-100, `1 − p` is 0 at 100 digits, so the textbook SELL formula
// −b·ln(1 − p + p·e^(−Δ/b)) collapses (selling all of a dominant outcome at q/b = 500 would
// come out b·ln 2 too high). Proceeds are therefore referenced by their definition,
// C(before) − C(after), which the naive cost gets right; the textbook sell formula is
// checked against that where it is well-conditioned.
// ---------------------------------------------------------------------------------------
const R = Decimal.clone({ precision: 100, rounding: Decimal.ROUND_HALF_EVEN });

interface RefState {
  qYes: Decimal;
  qNo: Decimal;
  b: Decimal;
}

const toRef = (s: LmsrState): RefState => ({
  qYes: new R(s.qYes),
  qNo: new R(s.qNo),
  b: new R(s.liquidity),
});

const ref = {
  /** C = b·ln(e^(qYes/b) + e^(qNo/b)) */
  cost: ({ qYes, qNo, b }: RefState): Decimal =>
    b.times(
      R.exp(qYes.div(b))
        .plus(R.exp(qNo.div(b)))
        .ln(),
    ),
  /** p = e^(q_o/b) / (e^(qYes/b) + e^(qNo/b)) */
  price: ({ qYes, qNo, b }: RefState, outcome: Outcome): Decimal => {
    const eYes = R.exp(qYes.div(b));
    const eNo = R.exp(qNo.div(b));
    return (outcome === 'YES' ? eYes : eNo).div(eYes.plus(eNo));
  },
  /** Δ = b·ln((e^(a/b) − 1 + p) / p), p the price of the outcome bought */
  sharesFor: (s: RefState, p: Decimal, amount: Decimal.Value): Decimal =>
    s.b.times(R.exp(new R(amount).div(s.b)).minus(1).plus(p).div(p).ln()),
  /** −b·ln(1 − p + p·e^(−Δ/b)) */
  sellFormula: (s: RefState, outcome: Outcome, shares: Decimal.Value): Decimal => {
    const p = ref.price(s, outcome);
    const inner = new R(1).minus(p).plus(p.times(R.exp(new R(shares).div(s.b).neg())));
    return s.b.times(inner.ln()).neg();
  },
  add: (s: RefState, outcome: Outcome, delta: Decimal.Value): RefState =>
    outcome === 'YES' ? { ...s, qYes: s.qYes.plus(delta) } : { ...s, qNo: s.qNo.plus(delta) },
};

// ---------------------------------------------------------------------------------------

const state = (qYes: Decimal.Value, qNo: Decimal.Value, b: Decimal.Value): LmsrState => ({
  qYes: new Dec(qYes),
  qNo: new Dec(qNo),
  liquidity: new Dec(b),
});

const other = (o: Outcome): Outcome => (o === 'YES' ? 'NO' : 'YES');
const held = (s: LmsrState, o: Outcome): Dec => (o === 'YES' ? s.qYes : s.qNo);

const CREDITS = /^\d+\.\d{2}$/;
const SHARES = /^\d+\.\d{6}$/;

/** |actual − expected| ≤ abs, and (for tiny probabilities, where abs says nothing) ≤ rel·|expected|. */
function expectClose(actual: Decimal, expected: Decimal, abs = '1e-9', rel = '1e-40'): void {
  const diff = new R(actual).minus(expected).abs();
  const ok = diff.lte(abs) && diff.lte(expected.abs().times(rel).plus('1e-80'));
  expect(ok, `${actual.toString()} vs ${expected.toString()}`).toBe(true);
}

/**
 * `actual` is a value within `tol` of `exact`, rounded down to `places`, and never more
 * than `exact` (rounding favours the market maker). Exactly the floor unless `exact` is
 * within `tol` of a rounding boundary.
 */
function expectRoundedDownFrom(actual: string, exact: Decimal, places: number, tol = '1e-9') {
  const lo = exact.minus(tol).toFixed(places, Decimal.ROUND_FLOOR);
  const hi = exact.plus(tol).toFixed(places, Decimal.ROUND_FLOOR);
  const a = new R(actual);
  expect(a.gte(lo) && a.lte(hi), `${actual} vs exact ${exact.toString()}`).toBe(true);
  expect(a.lte(exact), `${actual} exceeds exact ${exact.toString()}`).toBe(true);
}

// ---------------------------------------------------------------------------------------

describe('LMSR hand-worked cases', () => {
  it('b = 100, q = (0, 0): cost = 100·ln 2, p = 0.5, subsidy rounds up', () => {
    const s = state(0, 0, 100);
    // C(0,0) = b·ln(e^0 + e^0) = 100·ln 2 = 69.31471805599453094172321214581765680755…
    expect(cost(s).toFixed(38)).toBe('69.31471805599453094172321214581765680755');
    // p = e^0 / (e^0 + e^0) = 1/2 exactly
    expect(priceOf(s, 'YES').toString()).toBe('0.5');
    expect(priceOf(s, 'NO').toString()).toBe('0.5');
    // 69.3147… rounded UP to cents
    expect(subsidyFor(new Dec(100))).toBe('69.32');
    // 10·ln 2 = 6.9314…, 1·ln 2 = 0.6931…, 1000·ln 2 = 693.1471…, 1e6·ln 2 = 693147.1805…,
    // 0.5·ln 2 = 0.3465…: always up, even when the third decimal is below 5.
    expect(subsidyFor(new Dec(10))).toBe('6.94');
    expect(subsidyFor(new Dec(1))).toBe('0.70');
    expect(subsidyFor(new Dec(1000))).toBe('693.15');
    expect(subsidyFor(new Dec(1_000_000))).toBe('693147.19');
    expect(subsidyFor(new Dec('0.5'))).toBe('0.35');
  });

  it('b = 100, q = (0, 0): buying YES for 10.00, then selling it all back', () => {
    const s = state(0, 0, 100);
    const q = quoteBuy(s, 'YES', '10');
    // e^0.1 = 1.105170918075647624811707826490246668225…
    // (e^0.1 − 1 + 0.5) / 0.5 = 1.210341836151295249623415652980493336450…
    // Δ = 100·ln(1.2103418361512952496…) = 19.09028289263818919789322145240040769252…
    // (NB: 19.09…, not 19.50…) rounded DOWN to 6 places:
    expect(q.shares).toBe('19.090282');
    expect(q.amount).toBe('10.00');
    // 10 / 19.090282 = 0.5238267302…
    expect(q.averagePrice).toBe('0.523827');
    expect(q.probabilityBefore.toString()).toBe('0.5');
    // p' = e^0.19090282 / (1 + e^0.19090282) = 0.5475812887706338828784485912210895183627…
    expect(q.probabilityAfter.toFixed(40)).toBe('0.5475812887706338828784485912210895183627');
    expect(q.after.qYes.toString()).toBe('19.090282');
    expect(q.after.qNo.toString()).toBe('0');
    // With the rounded shares: C(19.090282, 0) − C(0, 0) = 9.999999511208028966148764168888…
    // which is ≤ 10.00: the rounding-down of shares leaves 0.00000049 with the market.
    const paid = cost(q.after).minus(cost(s));
    expect(paid.toFixed(30)).toBe('9.999999511208028966148764168888');

    // Selling all 19.090282 back pays C(19.090282, 0) − C(0, 0) = 9.9999995112… rounded
    // DOWN = 9.99: a round trip costs the trader one cent, purely from rounding.
    const back = quoteSell(q.after, 'YES', q.shares);
    expect(back.proceeds).toBe('9.99');
    expect(back.shares).toBe('19.090282');
    // 9.99 / 19.090282 = 0.5233029035…
    expect(back.averagePrice).toBe('0.523303');
    expect(back.after.qYes.isZero()).toBe(true);
    expect(back.probabilityAfter.toString()).toBe('0.5');
  });

  it('b = 100, q = (50000, 0) (q/b = 500): tiny and near-certain outcomes', () => {
    const s = state(50_000, 0, 100);
    // p_NO = 1/(1 + e^500) = 7.124576406741285531549157377122755246928e-218
    expect(priceOf(s, 'NO').toSignificantDigits(40).toString()).toBe(
      '7.124576406741285531549157377122755246928e-218',
    );
    // p_YES = 1 − 7.12e-218, which is exactly 1 at 50 significant digits
    expect(priceOf(s, 'YES').toString()).toBe('1');

    // Buying NO for 10: Δ = 100·ln(1 + (e^0.1 − 1)(1 + e^500))
    //   = 100·(500 + ln(e^0.1 − 1) + ~1e-217) = 100·(500 − 2.252168461044090808919…)
    //   = 49774.78315389559091910805…  → 49774.783153
    const no = quoteBuy(s, 'NO', '10.00');
    expect(no.shares).toBe('49774.783153');
    // 10 / 49774.783153 = 0.00020090…
    expect(no.averagePrice).toBe('0.000201');

    // Buying YES for 10: exact Δ = 10.000000…(216 zeros)…678 — above 10 by 6.8e-217, which
    // no 50-digit computation can see; the guard rounds it the market maker's way.
    expect(quoteBuy(s, 'YES', '10.00').shares).toBe('9.999999');

    // Selling 1 YES: exact proceeds = 1 − 7.16e-218 < 1.00, so 0.99 (a naive formula even
    // at 100 digits would say 1.00, as 1 − p_YES vanishes there).
    expect(quoteSell(s, 'YES', '1').proceeds).toBe('0.99');

    // Selling all 50000 YES: C(50000, 0) − C(0, 0) = 50000 + 100·ln(1 + e^-500) − 100·ln 2
    //   = 49930.6852819440054690582767879… → 49930.68
    const all = quoteSell(s, 'YES', '50000');
    expect(all.proceeds).toBe('49930.68');
    expect(all.after.qYes.isZero()).toBe(true);
    expect(all.probabilityAfter.toString()).toBe('0.5');
  });

  it('computes at 50 digits even when handed a default (20-digit) Decimal', () => {
    const plain = { qYes: new Decimal('12.5'), qNo: new Decimal(3), liquidity: new Decimal(7) };
    expect(cost(plain).toString()).toBe(cost(state('12.5', 3, 7)).toString());
    expect(cost(plain).precision()).toBeGreaterThan(40);
  });
});

// ---------------------------------------------------------------------------------------

describe('LMSR against the 100-digit textbook reference', () => {
  // (qYes/b, qNo/b): balanced, moderate, the ±50 and ±500 extremes, a large-but-close
  // pair (log-sum-exp's reason to exist) and ±5000 for cost and price.
  const ratios: Array<[string, string]> = [
    ['0', '0'],
    ['12.345678', '3.5'],
    ['50', '0'],
    ['0', '50'],
    ['500', '0'],
    ['0', '500'],
    ['500', '499.5'],
    ['5000', '0'],
    ['0', '5000'],
  ];
  const liquidities = ['10', '100', '1000', '1000000'];
  const amounts = ['0.01', '10.00', '123456.78'];

  describe.each(liquidities)('b = %s', (b) => {
    it.each(ratios)('q/b = (%s, %s)', (ry, rn) => {
      const s = state(new Dec(ry).times(b), new Dec(rn).times(b), b);
      const r = toRef(s);

      expectClose(cost(s), ref.cost(r), '1e-9', '1e-45');
      for (const o of ['YES', 'NO'] as const) {
        expectClose(priceOf(s, o), ref.price(r, o));
      }

      // Trades only at |q/b| ≤ 500 (the ±5000 rows only check cost and price).
      if (new Dec(ry).gt(500) || new Dec(rn).gt(500)) return;

      for (const o of ['YES', 'NO'] as const) {
        const p = ref.price(r, o);
        for (const amount of amounts) {
          const q = quoteBuy(s, o, amount);
          expectRoundedDownFrom(q.shares, ref.sharesFor(r, p, amount), 6);
          expectClose(q.probabilityBefore, p);
          expectClose(q.probabilityAfter, ref.price(ref.add(r, o, q.shares), o));
          expect(q.averagePrice).toBe(new R(amount).div(q.shares).toFixed(6));
          // The guarantee, on the reference's own cost function too.
          expect(ref.cost(toRef(q.after)).minus(ref.cost(r)).lte(amount)).toBe(true);
          expect(cost(q.after).minus(cost(s)).lte(amount)).toBe(true);
        }

        const h = held(s, o);
        if (h.isZero()) continue;
        const sizes = new Set([
          '0.000001',
          '1',
          h.div(2).toFixed(6, Decimal.ROUND_DOWN),
          h.toFixed(6),
        ]);
        for (const size of sizes) {
          if (new Dec(size).gt(h)) continue;
          const q = quoteSell(s, o, size);
          const exact = ref.cost(r).minus(ref.cost(ref.add(r, o, new R(size).neg())));
          expectRoundedDownFrom(q.proceeds, exact, 2);
          expectClose(q.probabilityAfter, ref.price(ref.add(r, o, new R(size).neg()), o));
          expect(new Dec(q.proceeds).lte(cost(s).minus(cost(q.after)))).toBe(true);
          // The textbook sell formula agrees with C(before) − C(after) wherever 1 − p is
          // still representable at 100 digits.
          if (!new Dec(ry).minus(rn).abs().gt(50)) {
            expectClose(ref.sellFormula(r, o, size), exact, '1e-60');
          }
        }
      }
    });
  });
});

// ---------------------------------------------------------------------------------------

describe('LMSR properties', () => {
  const outcome = fc.constantFrom<Outcome>('YES', 'NO');
  /** b in [1, 1e6] with cents. */
  const liquidity = fc.integer({ min: 100, max: 100_000_000 }).map((c) => new Dec(c).div(100));
  /** q/b in [0, 50] at micro resolution, so prices stay strictly inside (0, 1) at 50 digits. */
  const ratio = fc.integer({ min: 0, max: 50_000_000 }).map((m) => new Dec(m).div(1_000_000));
  const moderateState = fc
    .tuple(ratio, ratio, liquidity)
    .map(([ry, rn, b]) =>
      state(
        ry.times(b).toDecimalPlaces(6, Decimal.ROUND_DOWN),
        rn.times(b).toDecimalPlaces(6, Decimal.ROUND_DOWN),
        b,
      ),
    );
  const amount = fc.integer({ min: 1, max: 10_000_000 }).map((c) => new Dec(c).div(100).toFixed(2));

  const LN2 = new Dec(2).ln();

  it('prices lie in (0, 1) and P(YES) + P(NO) = 1; max(q) ≤ cost ≤ max(q) + b·ln 2', () => {
    fc.assert(
      fc.property(moderateState, (s) => {
        const yes = priceOf(s, 'YES');
        const no = priceOf(s, 'NO');
        expect(yes.gt(0) && yes.lt(1) && no.gt(0) && no.lt(1)).toBe(true);
        expect(yes.plus(no).minus(1).abs().lte('1e-45')).toBe(true);
        const c = cost(s);
        const m = Dec.max(s.qYes, s.qNo);
        expect(c.gte(m)).toBe(true);
        expect(c.lte(m.plus(s.liquidity.times(LN2)))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('buying an outcome raises its price, lowers the other, and costs at most the amount', () => {
    fc.assert(
      fc.property(moderateState, outcome, amount, (s, o, a) => {
        const q = quoteBuy(s, o, a);
        expect(q.amount).toBe(a);
        expect(q.amount).toMatch(CREDITS);
        expect(q.shares).toMatch(SHARES);
        expect(q.averagePrice).toMatch(SHARES);
        expect(q.probabilityAfter.gt(q.probabilityBefore)).toBe(true);
        expect(priceOf(q.after, other(o)).lt(priceOf(s, other(o)))).toBe(true);
        expect(cost(q.after).minus(cost(s)).lte(a)).toBe(true);
        // Every share costs less than 1, so at least `amount` shares.
        expect(new Dec(q.shares).gte(a)).toBe(true);
        expect(held(q.after, o).minus(held(s, o)).toFixed(6)).toBe(q.shares);
        expect(held(q.after, other(o)).eq(held(s, other(o)))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('buy-then-sell-all never profits and restores the state exactly', () => {
    fc.assert(
      fc.property(moderateState, outcome, amount, (s, o, a) => {
        const buy = quoteBuy(s, o, a);
        const sell = quoteSell(buy.after, o, buy.shares);
        expect(sell.proceeds).toMatch(CREDITS);
        expect(sell.averagePrice).toMatch(SHARES);
        expect(new Dec(sell.proceeds).lte(a)).toBe(true);
        expect(sell.probabilityAfter.lt(sell.probabilityBefore)).toBe(true);
        expect(new Dec(sell.proceeds).lte(cost(buy.after).minus(cost(sell.after)))).toBe(true);
        expect(sell.after.qYes.eq(s.qYes) && sell.after.qNo.eq(s.qNo)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  type Step =
    { kind: 'buy'; o: Outcome; cents: number } | { kind: 'sell'; o: Outcome; perMille: number };
  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.record({
      kind: fc.constant('buy' as const),
      o: outcome,
      cents: fc.integer({ min: 1, max: 5_000_000 }),
    }),
    fc.record({
      kind: fc.constant('sell' as const),
      o: outcome,
      perMille: fc.integer({ min: 1, max: 1000 }),
    }),
  );

  it('collateral (subsidy + buys − sells) always covers cost(q) ≥ max(qYes, qNo) ≥ 0', () => {
    // b as small as 1 against buys of up to 50 000 credits drives q/b to ~10^5 here.
    const anyLiquidity = fc.oneof(
      liquidity,
      fc.integer({ min: 1, max: 20 }).map((n) => new Dec(n)),
    );
    fc.assert(
      fc.property(anyLiquidity, fc.array(step, { minLength: 1, maxLength: 12 }), (b, steps) => {
        let s = state(0, 0, b);
        const subsidy = subsidyFor(b);
        expect(subsidy).toMatch(CREDITS);
        let collateral = new Dec(subsidy);
        expect(collateral.gte(cost(s))).toBe(true);
        for (const st of steps) {
          const before = cost(s);
          if (st.kind === 'buy') {
            const a = new Dec(st.cents).div(100).toFixed(2);
            const q = quoteBuy(s, st.o, a);
            expect(q.shares).toMatch(SHARES);
            expect(q.probabilityAfter.gte(q.probabilityBefore)).toBe(true);
            expect(cost(q.after).minus(before).lte(a)).toBe(true);
            collateral = collateral.plus(q.amount);
            s = q.after;
          } else {
            const size = held(s, st.o)
              .times(st.perMille)
              .div(1000)
              .toDecimalPlaces(6, Decimal.ROUND_DOWN);
            if (size.isZero()) continue;
            const q = quoteSell(s, st.o, size.toFixed(6));
            expect(q.proceeds).toMatch(CREDITS);
            expect(new Dec(q.proceeds).lte(before.minus(cost(q.after)))).toBe(true);
            collateral = collateral.minus(q.proceeds);
            s = q.after;
          }
          const c = cost(s);
          expect(s.qYes.gte(0) && s.qNo.gte(0)).toBe(true);
          expect(s.qYes.decimalPlaces() <= 6 && s.qNo.decimalPlaces() <= 6).toBe(true);
          expect(collateral.decimalPlaces()).toBeLessThanOrEqual(2);
          expect(c.gte(Dec.max(s.qYes, s.qNo))).toBe(true);
          expect(
            collateral.gte(c),
            `collateral ${collateral.toString()} < cost ${c.toString()}`,
          ).toBe(true);
        }
      }),
      { numRuns: 100 },
    );
  });
});

// ---------------------------------------------------------------------------------------

describe('LMSR input errors', () => {
  const s = state(10, 4, 100);

  it.each(['0', '0.00', '-5', '-0.01', 'abc', '', 'Infinity', 'NaN', '0.001', '10.005'])(
    'rejects buying for amount %j',
    (amount) => {
      expect(() => quoteBuy(s, 'YES', amount)).toThrow(LmsrInputError);
    },
  );

  it.each(['0', '-1', 'x', '1.0000001'])('rejects selling %j shares', (shares) => {
    expect(() => quoteSell(s, 'YES', shares)).toThrow(LmsrInputError);
  });

  it('rejects selling more than is outstanding, and allows selling exactly all', () => {
    expect(() => quoteSell(s, 'YES', '10.000001')).toThrow(LmsrInputError);
    expect(() => quoteSell(s, 'NO', '4.000001')).toThrow(LmsrInputError);
    expect(() => quoteSell(state(0, 4, 100), 'YES', '0.000001')).toThrow(LmsrInputError);
    expect(quoteSell(s, 'NO', '4').after.qNo.isZero()).toBe(true);
  });

  it.each(['0', '-100'])('rejects liquidity %s everywhere', (b) => {
    const bad = state(0, 0, b);
    expect(() => cost(bad)).toThrow(LmsrInputError);
    expect(() => priceOf(bad, 'YES')).toThrow(LmsrInputError);
    expect(() => quoteBuy(bad, 'YES', '1.00')).toThrow(LmsrInputError);
    expect(() => quoteSell(bad, 'YES', '1')).toThrow(LmsrInputError);
    expect(() => subsidyFor(new Dec(b))).toThrow(LmsrInputError);
  });

  it('rejects negative q and unknown outcomes', () => {
    expect(() => cost(state(-1, 0, 100))).toThrow(LmsrInputError);
    expect(() => quoteBuy(state(0, '-0.000001', 100), 'NO', '1.00')).toThrow(LmsrInputError);
    expect(() => quoteBuy(s, 'MAYBE' as Outcome, '1.00')).toThrow(LmsrInputError);
  });

  it('is an Error with its own name', () => {
    const error: unknown = (() => {
      try {
        quoteBuy(s, 'YES', '0');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(LmsrInputError);
    expect((error as Error).name).toBe('LmsrInputError');
  });
});
