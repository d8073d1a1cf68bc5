import Decimal from 'decimal.js';
import fc from 'fast-check';
import { Dec, probabilityFixed } from '../../common/money/decimal';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  cost,
  priceOf,
  quoteBuy,
  quoteSell,
  subsidyFor,
  type LmsrState,
  type Outcome,
} from './lmsr';
import {
  LmsrInputError,
  MAX_OUTCOMES,
  multiCost,
  multiPriceOf,
  multiPrices,
  multiSubsidyFor,
  quoteMultiBuy,
  quoteMultiSell,
  buySharesBothWays,
  centsWithin,
  fixedPricesInFloat,
  probabilityWithin,
  quoteMultiBuyInFloat,
  multiSellProceeds,
  sellProceedsInFloat,
  type MultiLmsrState,
} from './lmsr-n';

// ---------------------------------------------------------------------------------------
// An independent reference: the NAIVE textbook formulas (DOMAIN.md, "N outcomes") at 60
// digits. decimal.js's exponent range means e^(q/b) cannot overflow at q/b = 500.
// ---------------------------------------------------------------------------------------
/** Property and reference tests evaluate thousands of 50-digit exponentials. */
const SLOW = 120_000;

const R = Decimal.clone({ precision: 60, rounding: Decimal.ROUND_HALF_EVEN });

const ref = {
  /** C = b·ln Σ e^(q_i/b) */
  cost: (q: Decimal[], b: Decimal): Decimal =>
    b.times(q.reduce((sum, qi) => sum.plus(R.exp(qi.div(b))), new R(0)).ln()),
  /** p_i = e^(q_i/b) / Σ e^(q_j/b) */
  price: (q: Decimal[], b: Decimal, i: number): Decimal =>
    R.exp(q[i].div(b)).div(q.reduce((sum, qj) => sum.plus(R.exp(qj.div(b))), new R(0))),
  /** Δ = b·ln((e^(a/b) − 1 + p_i) / p_i) */
  sharesFor: (b: Decimal, p: Decimal, amount: Decimal.Value): Decimal =>
    b.times(R.exp(new R(amount).div(b)).minus(1).plus(p).div(p).ln()),
};

const multi = (q: Decimal.Value[], b: Decimal.Value): MultiLmsrState => ({
  q: q.map((v) => new Dec(v)),
  liquidity: new Dec(b),
});
const toRef = (s: MultiLmsrState): [Decimal[], Decimal] => [
  s.q.map((v) => new R(v)),
  new R(s.liquidity),
];
const add = (q: Decimal[], i: number, delta: Decimal.Value): Decimal[] =>
  q.map((v, j) => (j === i ? v.plus(delta) : v));

/** |actual − expected| ≤ abs and ≤ rel·|expected| (for tiny probabilities). */
function expectClose(actual: Decimal, expected: Decimal, abs = '1e-30', rel = '1e-30'): void {
  const diff = new R(actual).minus(expected).abs();
  const ok = diff.lte(abs) && diff.lte(expected.abs().times(rel).plus('1e-70'));
  expect(ok, `${actual.toString()} vs ${expected.toString()}`).toBe(true);
}

/** `actual` is `exact` rounded down to `places` (unless within 1e-30 of a boundary), never above. */
function expectRoundedDownFrom(actual: string, exact: Decimal, places: number): void {
  const lo = exact.minus('1e-30').toFixed(places, Decimal.ROUND_FLOOR);
  const hi = exact.plus('1e-30').toFixed(places, Decimal.ROUND_FLOOR);
  const a = new R(actual);
  expect(a.gte(lo) && a.lte(hi), `${actual} vs exact ${exact.toString()}`).toBe(true);
  expect(a.lte(exact), `${actual} exceeds exact ${exact.toString()}`).toBe(true);
}

// ---------------------------------------------------------------------------------------

describe('N-outcome LMSR, worked example (3 candidates, b = 100)', () => {
  it('prices, a buy, a sell and the subsidy', () => {
    const s = multi([0, 0, 0], 100);
    // C(0,0,0) = 100·ln 3 = 109.86122886681096913952452369225257046475…
    expect(multiCost(s).toFixed(38)).toBe('109.86122886681096913952452369225257046475');
    // 109.861… rounded UP to cents
    expect(multiSubsidyFor(new Dec(100), 3)).toBe('109.87');
    // p_i = 1/3 each
    for (const p of multiPrices(s)) expect(p.toFixed(6)).toBe('0.333333');

    // Buying candidate 0 for 10.00: Δ = 100·ln((e^0.1 − 1 + 1/3)·3) = 100·ln(3e^0.1 − 2)
    //   = 100·ln(1.31551275422694287443512347947074000467364…) = 27.4226516796663396…
    // rounded DOWN to 6 places:
    const buy = quoteMultiBuy(s, 0, '10.00');
    expect(buy.shares).toBe('27.422651');
    // p_0' = e^0.27422651 / (e^0.27422651 + 2) = 0.396775053015948864680505…
    expect(buy.probabilityAfter.toFixed(24)).toBe('0.396775053015948864680505');
    // C(after) − C(before) = 100·ln(e^0.27422651 + 2) − 100·ln 3 = 9.99999973032535150664…
    // ≤ 10.00: rounding the shares down leaves 0.00000027 with the market.
    const paid = multiCost(buy.after).minus(multiCost(s));
    expect(paid.toFixed(20)).toBe('9.99999973032535150665');
    // The other two candidates share the rest equally.
    // p_1 = p_2 = 1 / (e^0.27422651 + 2) = 0.301612473492025567659747…
    const [p0, p1, p2] = multiPrices(buy.after);
    expect(p1.eq(p2)).toBe(true);
    expect(p1.toFixed(24)).toBe('0.301612473492025567659747');
    expect(p0.plus(p1).plus(p2).minus(1).abs().lte('1e-48')).toBe(true);

    // Selling it all back pays C(after) − C(before) = 9.99999… rounded DOWN = 9.99.
    const sell = quoteMultiSell(buy.after, 0, buy.shares);
    expect(sell.proceeds).toBe('9.99');
    expect(sell.after.q.every((q) => q.isZero())).toBe(true);
  });
});

/**
 * Binary results recorded from the separate binary derivation `lmsr.ts` had before it became
 * this module at N = 2 (the property test that compared the two, 350 random cases, passed
 * before the fold): 300 states from balanced to q/b = 500, b from 10 to 1e6, buys and sells,
 * refusals included, full-precision prices. Any changed digit fails here.
 */
interface GoldenCase {
  qYes: string;
  qNo: string;
  liquidity: string;
  outcome: Outcome;
  amount?: string;
  shares?: string;
  result?: Record<string, string>;
  error?: string;
  cost: string;
  price: string;
}
const GOLDEN = JSON.parse(
  readFileSync(join(__dirname, '../../../test/fixtures/lmsr-binary-golden.json'), 'utf8'),
) as GoldenCase[];

describe('N = 2 is the binary market of before, digit for digit', () => {
  it('cost, price, buys, sells and refusals match the 300 recorded binary results', () => {
    expect(GOLDEN).toHaveLength(300);
    for (const c of GOLDEN) {
      const s = { qYes: new Dec(c.qYes), qNo: new Dec(c.qNo), liquidity: new Dec(c.liquidity) };
      expect(cost(s).toString()).toBe(c.cost);
      expect(priceOf(s, c.outcome).toString()).toBe(c.price);
      const trade = () => {
        if (c.amount !== undefined) {
          const q = quoteBuy(s, c.outcome, c.amount);
          return { shares: q.shares, averagePrice: q.averagePrice, ...common(q) };
        }
        const q = quoteSell(s, c.outcome, c.shares!);
        return { proceeds: q.proceeds, averagePrice: q.averagePrice, ...common(q) };
      };
      if (c.error !== undefined) expect(trade).toThrow(c.error);
      else expect(trade()).toEqual(c.result);
    }
  });

  it('the subsidy is b · ln 2 rounded up to the cent, as the binary rule was', () => {
    expect(subsidyFor(new Dec(100))).toBe('69.32');
    expect(multiSubsidyFor(new Dec('1000000'), 2)).toBe(subsidyFor(new Dec('1000000')));
  });
});

function common(q: { probabilityBefore: Dec; probabilityAfter: Dec; after: LmsrState }) {
  return {
    probabilityBefore: q.probabilityBefore.toString(),
    probabilityAfter: q.probabilityAfter.toString(),
    qYes: q.after.qYes.toString(),
    qNo: q.after.qNo.toString(),
  };
}

describe('N-outcome LMSR against the 60-digit textbook reference', () => {
  // q/b per outcome: balanced, moderate, one far ahead at 500, two close at the top.
  const cases: Array<[string, string[]]> = [
    ['balanced', ['0', '0', '0']],
    ['moderate', ['12.345678', '3.5', '0', '7.25', '1']],
    ['one at 50', ['50', '0', '0', '0']],
    ['one at 500', ['500', '0', '0']],
    ['one trailing by 500', ['500', '500', '0']],
    ['close at the top', ['500', '499.5', '0', '250']],
    ['20 outcomes', Array.from({ length: 20 }, (_, i) => String(i * 3.5))],
  ];
  const liquidities = ['10', '100', '1000000'];
  const amounts = ['0.01', '10.00', '123456.78'];

  describe.each(liquidities)('b = %s', (b) => {
    it.each(cases)(
      '%s',
      (_name, ratios) => {
        const s = multi(
          ratios.map((r) => new Dec(r).times(b)),
          b,
        );
        const [q, rb] = toRef(s);
        expectClose(multiCost(s), ref.cost(q, rb), '1e-30', '1e-45');
        const prices = multiPrices(s);
        prices.forEach((p, i) => expectClose(p, ref.price(q, rb, i)));
        expect(
          prices
            .reduce((sum, p) => sum.plus(p), new Dec(0))
            .minus(1)
            .abs()
            .lte('1e-45'),
        ).toBe(true);

        // First, middle and last outcome: the 20-outcome case would otherwise run 60 quotes.
        for (const i of new Set([0, q.length >> 1, q.length - 1])) {
          const p = ref.price(q, rb, i);
          for (const amount of amounts) {
            const buy = quoteMultiBuy(s, i, amount);
            expectRoundedDownFrom(buy.shares, ref.sharesFor(rb, p, amount), 6);
            expectClose(buy.probabilityAfter, ref.price(add(q, i, new R(buy.shares)), rb, i));
            expect(
              ref
                .cost(add(q, i, new R(buy.shares)), rb)
                .minus(ref.cost(q, rb))
                .lte(amount),
            ).toBe(true);
          }
          if (q[i].isZero()) continue;
          for (const size of [
            '0.000001',
            q[i].div(2).toFixed(6, Decimal.ROUND_DOWN),
            q[i].toFixed(6),
          ]) {
            const sell = quoteMultiSell(s, i, size);
            const exact = ref.cost(q, rb).minus(ref.cost(add(q, i, new R(size).neg()), rb));
            expectRoundedDownFrom(sell.proceeds, exact, 2);
          }
        }
      },
      SLOW,
    );
  });
});

describe('N-outcome LMSR properties, N = 2…20', () => {
  const liquidity = fc.integer({ min: 100, max: 100_000_000 }).map((c) => new Dec(c).div(100));
  const ratio = fc.integer({ min: 0, max: 50_000_000 }).map((m) => new Dec(m).div(1_000_000));
  const anyState = fc
    .tuple(fc.array(ratio, { minLength: 2, maxLength: MAX_OUTCOMES }), liquidity)
    .map(([ratios, b]) =>
      multi(
        ratios.map((r) => r.times(b).toDecimalPlaces(6, Decimal.ROUND_DOWN)),
        b,
      ),
    );
  const amount = fc.integer({ min: 1, max: 10_000_000 }).map((c) => new Dec(c).div(100).toFixed(2));

  it(
    'prices lie in (0, 1) and sum to 1; max(q) ≤ cost ≤ max(q) + b·ln N',
    () => {
      fc.assert(
        fc.property(anyState, (s) => {
          const prices = multiPrices(s);
          expect(prices.every((p) => p.gt(0) && p.lt(1))).toBe(true);
          expect(
            prices
              .reduce((sum, p) => sum.plus(p), new Dec(0))
              .minus(1)
              .abs()
              .lte('1e-45'),
          ).toBe(true);
          const c = multiCost(s);
          const m = Dec.max(...s.q);
          expect(c.gte(m)).toBe(true);
          expect(c.lte(m.plus(s.liquidity.times(new Dec(s.q.length).ln())))).toBe(true);
        }),
        { numRuns: 100 },
      );
    },
    SLOW,
  );

  it(
    'a buy costs at most what is paid; a sell pays at most what the cost function gives back',
    () => {
      fc.assert(
        fc.property(anyState, fc.nat(), amount, fc.double({ min: 0, max: 1 }), (s, k, a, f) => {
          const i = k % s.q.length;
          let buy;
          try {
            buy = quoteMultiBuy(s, i, a);
          } catch (e) {
            // Only a buy too small for one share (tiny amount, large b) is refused.
            expect((e as Error).message).toMatch(/too small/);
            return;
          }
          expect(multiCost(buy.after).minus(multiCost(s)).lte(a)).toBe(true);
          expect(buy.probabilityAfter.gt(buy.probabilityBefore)).toBe(true);

          const size = buy.after.q[i].times(f).toDecimalPlaces(6, Decimal.ROUND_DOWN);
          if (!size.gt(0)) return;
          const sell = quoteMultiSell(buy.after, i, size.toFixed(6));
          expect(
            new Dec(sell.proceeds).lte(multiCost(buy.after).minus(multiCost(sell.after))),
          ).toBe(true);
        }),
        { numRuns: 100 },
      );
    },
    SLOW,
  );

  it(
    'collateral (subsidy + buys − sells) always covers the largest payout',
    () => {
      const step = fc.record({
        buy: fc.boolean(),
        k: fc.nat(),
        amount,
        fraction: fc.double({ min: 0, max: 1 }),
      });
      fc.assert(
        fc.property(
          fc.integer({ min: 2, max: MAX_OUTCOMES }),
          liquidity,
          fc.array(step, { maxLength: 12 }),
          (n, b, steps) => {
            let s = multi(Array<string>(n).fill('0'), b);
            let collateral = new Dec(multiSubsidyFor(b, n));
            for (const { buy, k, amount: a, fraction } of steps) {
              const i = k % n;
              if (buy) {
                try {
                  s = quoteMultiBuy(s, i, a).after;
                  collateral = collateral.plus(a);
                } catch {
                  continue;
                }
              } else {
                const size = s.q[i].times(fraction).toDecimalPlaces(6, Decimal.ROUND_DOWN);
                if (!size.gt(0)) continue;
                const sell = quoteMultiSell(s, i, size.toFixed(6));
                s = sell.after;
                collateral = collateral.minus(sell.proceeds);
              }
              // Each winning share pays 1.00 rounded down to the cent per position: the
              // market must hold at least the largest outstanding q.
              expect(collateral.gte(multiCost(s))).toBe(true);
              expect(collateral.gte(Dec.max(...s.q))).toBe(true);
            }
          },
        ),
        { numRuns: 60 },
      );
    },
    SLOW,
  );
});

// ---------------------------------------------------------------------------------------
// The float64 shortcuts: each is compared with the 50-digit path on random states with
// extremes, and shown to settle most typical states.
// ---------------------------------------------------------------------------------------
/**
 * 2–20 outcomes, b from 1 to 1e6, q/b in [0, 800]: past e^709 and e^-745, where doubles
 * over- and underflow and the 50-digit path decides.
 */
const extremeState = fc
  .tuple(
    fc.array(
      fc.integer({ min: 0, max: 800_000_000 }).map((m) => new Dec(m).div(1_000_000)),
      { minLength: 2, maxLength: MAX_OUTCOMES },
    ),
    fc.integer({ min: 100, max: 100_000_000 }).map((c) => new Dec(c).div(100)),
  )
  .map(([ratios, b]) =>
    multi(
      ratios.map((r) => r.times(b).toDecimalPlaces(6, Decimal.ROUND_DOWN)),
      b,
    ),
  );
/** Amounts from 0.01 to 1e7 credits. */
const cents = fc.integer({ min: 1, max: 1_000_000_000 }).map((c) => new Dec(c).div(100));

/**
 * 500 typical states from `seed` (b from 10 to 1e5, 2–20 outcomes, q/b ≤ 50), each with
 * an outcome `i` and the generator, for the test to draw the trade from. The random floats
 * only pick whole numbers of cents or millionths (`Math.floor`, exact below 2^53), which
 * become decimals before any arithmetic.
 */
function* typicalStates(seed: number) {
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let t = 0; t < 500; t++) {
    const b = new Dec(Math.floor(1_000 + random() * 1e7)).div(100);
    const n = 2 + Math.floor(random() * 19);
    const q = Array.from({ length: n }, () =>
      new Dec(Math.floor(random() * 50e6)).div(1e6).times(b).toDecimalPlaces(6, 1),
    );
    yield { s: { q, liquidity: b }, i: t % n, random };
  }
}

/** A typical buy's amount, 0.01 to 10,000 credits. */
const typicalAmount = (random: () => number) =>
  new Dec(Math.floor(1 + random() * 1e6)).div(100).toFixed(2);

describe("sell proceeds settled in floating point (positions' current value)", () => {
  it(
    'answers exactly what quoteMultiSell pays, extremes included',
    () => {
      fc.assert(
        fc.property(
          extremeState,
          fc.nat(),
          fc.double({ min: 0, max: 1.2, noNaN: true }),
          (s, k, f) => {
            const i = k % s.q.length;
            const shares = s.q[i].times(f).toDecimalPlaces(6, Decimal.ROUND_DOWN);
            if (!shares.gt(0)) return;
            const text = shares.toFixed(6);
            if (shares.gt(s.q[i])) {
              expect(sellProceedsInFloat(s, i, text)).toBeNull();
              expect(() => multiSellProceeds(s, i, text)).toThrow(LmsrInputError);
              return;
            }
            const exact = quoteMultiSell(s, i, text).proceeds;
            expect(sellProceedsInFloat(s, i, text) ?? exact).toBe(exact);
            expect(multiSellProceeds(s, i, text)).toBe(exact);
          },
        ),
        { numRuns: 1500 },
      );
    },
    SLOW,
  );

  it('settles typical positions in float: 500 seeded states (q/b ≤ 50), the same cents', () => {
    let decidedInFloat = 0;
    for (const { s, i, random } of typicalStates(20_261_201)) {
      const shares = s.q[i].times(random()).toDecimalPlaces(6, Decimal.ROUND_DOWN);
      if (!shares.gt(0)) continue;
      const fast = sellProceedsInFloat(s, i, shares.toFixed(6));
      if (fast === null) continue;
      decidedInFloat++;
      expect(fast).toBe(quoteMultiSell(s, i, shares.toFixed(6)).proceeds);
    }
    // Not silently dead: the floats settle (nearly) every typical case.
    expect(decidedInFloat).toBeGreaterThan(480);
  });

  it('declines when q, b or the remainder leave the range floats settle', () => {
    expect(sellProceedsInFloat(multi(['2000000000', 0], 100), 0, '1')).toBeNull();
    expect(sellProceedsInFloat(multi([100, 0], '2000000000'), 0, '1')).toBeNull();
    // Selling all of an outcome priced e^-800 below the other: the remainder underflows.
    expect(sellProceedsInFloat(multi([0, 80_000], 100), 1, '80000')).toBeNull();
    expect(multiSellProceeds(multi([0, 80_000], 100), 1, '80000')).toBe(
      quoteMultiSell(multi([0, 80_000], 100), 1, '80000').proceeds,
    );
  });

  it('settles a cent only when the whole error interval lies inside it', () => {
    expect(centsWithin(0.505, 1e-9)).toBe('0.50');
    expect(centsWithin(1234.5678, 1e-6)).toBe('1234.56');
    expect(centsWithin(0.0099, 1e-9)).toBe('0.00');
    expect(centsWithin(-1e-12, 1e-9)).toBe('0.00');
    // Within the slack of a boundary, either cent is possible: the 50-digit path decides.
    expect(centsWithin(0.5, 1e-9)).toBeNull();
    expect(centsWithin(0.5000000001, 1e-9)).toBeNull();
    expect(centsWithin(0.4999999999, 1e-9)).toBeNull();
    expect(centsWithin(12.34, 0)).toBeNull();
  });
});

describe('N-outcome LMSR input errors', () => {
  const s = multi([10, 4, 0], 100);

  it.each([1, 21, 0])('rejects a market of %i outcomes', (n) => {
    const bad = multi(Array<number>(n).fill(0), 100);
    expect(() => multiCost(bad)).toThrow(LmsrInputError);
    expect(() => multiSubsidyFor(new Dec(100), n)).toThrow(LmsrInputError);
  });

  it.each([-1, 3, 1.5, Number.NaN])('rejects outcome index %d', (i) => {
    expect(() => quoteMultiBuy(s, i, '1.00')).toThrow(LmsrInputError);
    expect(() => quoteMultiSell(s, i, '1')).toThrow(LmsrInputError);
    expect(() => multiPriceOf(s, i)).toThrow(LmsrInputError);
  });

  it('rejects selling more than is outstanding, bad amounts, negative q, liquidity ≤ 0', () => {
    expect(() => quoteMultiSell(s, 1, '4.000001', 'B')).toThrow(/4.000001 B shares/);
    expect(() => quoteMultiSell(s, 2, '0.000001')).toThrow(LmsrInputError);
    expect(quoteMultiSell(s, 1, '4').after.q[1].isZero()).toBe(true);
    for (const amount of ['0', '-1', 'abc', '0.001']) {
      expect(() => quoteMultiBuy(s, 0, amount)).toThrow(LmsrInputError);
    }
    expect(() => multiCost(multi([0, '-0.000001', 0], 100))).toThrow(LmsrInputError);
    expect(() => multiCost(multi([0, 0, 0], 0))).toThrow(LmsrInputError);
  });
});

describe("a buy's shares settled in floating point before the check against C", () => {
  it(
    'decides the same millionth as the 50-digit path, extremes included',
    () => {
      fc.assert(
        fc.property(extremeState, fc.nat(), cents, (s, k, amount) => {
          const i = k % s.q.length;
          const { inFloat, exact } = buySharesBothWays(s, i, amount.toFixed(2));
          expect(inFloat ?? exact).toBe(exact);
        }),
        { numRuns: 1500 },
      );
    },
    SLOW,
  );

  it('settles typical buys in float: 500 seeded states (q/b ≤ 50), the same shares', () => {
    let decidedInFloat = 0;
    for (const { s, i, random } of typicalStates(20_261_202)) {
      const { inFloat, exact } = buySharesBothWays(s, i, typicalAmount(random));
      if (inFloat === null) continue;
      decidedInFloat++;
      expect(inFloat).toBe(exact);
    }
    // Not silently dead: the floats settle most typical buys (the rest: the 50-digit path).
    expect(decidedInFloat).toBeGreaterThan(400);
  });

  it('leaves to the 50-digit path a price too small for a double (e^d past 1e308)', () => {
    // Outcome 1 trails by 800 b: its price is about e^-800, below the smallest double.
    const s = multi(['80000', '0'], '100');
    const { inFloat, exact } = buySharesBothWays(s, 1, '5.00');
    expect(inFloat).toBeNull();
    expect(new Dec(exact).gt(79_000)).toBe(true); // b · (800 + ln(e^0.05 − 1)) ≈ 79,703
    expect(quoteMultiBuy(s, 1, '5.00').shares).toBe(exact);
  });
});

describe('buy quotes and reported probabilities decided in floating point', () => {
  /** `quoteMultiBuy` as the API reports it. */
  const reported = (s: MultiLmsrState, i: number, amount: string) => {
    const quote = quoteMultiBuy(s, i, amount);
    return {
      amount: quote.amount,
      shares: quote.shares,
      averagePrice: quote.averagePrice,
      probabilityBefore: probabilityFixed(quote.probabilityBefore),
      probabilityAfter: probabilityFixed(quote.probabilityAfter),
      probabilitiesAfter: multiPrices(quote.after).map((p) => probabilityFixed(p)),
      after: quote.after.q.map((q) => q.toFixed(6)),
    };
  };

  it(
    'answers a buy exactly as the 50-digit quote reports it, or not at all',
    () => {
      let decided = 0;
      fc.assert(
        fc.property(extremeState, fc.nat(), cents, (s, k, amount) => {
          const i = k % s.q.length;
          const text = amount.toFixed(2);
          const fast = quoteMultiBuyInFloat(s, i, text);
          if (fast === null) return;
          decided++;
          const { after, ...rest } = fast;
          expect({ ...rest, after: after.q.map((q) => q.toFixed(6)) }).toEqual(
            reported(s, i, text),
          );
        }),
        { numRuns: 1500 },
      );
      // Not dead, though with q up to 8e8 a double often cannot place the 6th decimal.
      expect(decided).toBeGreaterThan(20);
    },
    SLOW,
  );

  it(
    'renders every probability as probabilityFixed renders the 50-digit price, or not at all',
    () => {
      fc.assert(
        fc.property(extremeState, (s) => {
          const exact = multiPrices(s).map((p) => probabilityFixed(p));
          expect(fixedPricesInFloat(s) ?? exact).toEqual(exact);
        }),
        { numRuns: 1500 },
      );
    },
    SLOW,
  );

  it('settles typical buys wholly in float: 500 seeded states (q/b ≤ 50)', () => {
    let decided = 0;
    for (const { s, i, random } of typicalStates(20_261_203)) {
      const amount = typicalAmount(random);
      const fast = quoteMultiBuyInFloat(s, i, amount);
      if (fast === null) continue;
      decided++;
      expect(fast.shares).toBe(quoteMultiBuy(s, i, amount).shares);
    }
    expect(decided).toBeGreaterThan(400);
  });

  it('leaves to the 50-digit path what it must refuse or cannot place', () => {
    const s = multi(['0', '0'], '100');
    expect(quoteMultiBuyInFloat(s, 0, '0.00')).toBeNull(); // not a positive amount
    expect(quoteMultiBuyInFloat(s, 0, '1.001')).toBeNull(); // more than 2 places
    expect(quoteMultiBuyInFloat(s, 2, '1.00')).toBeNull(); // no such outcome
    expect(quoteMultiBuyInFloat(multi(['80000', '0'], '100'), 1, '5.00')).toBeNull(); // e^800
    // A price exactly on a half-millionth: the floats cannot tell which way it rounds.
    expect(probabilityWithin(0.0000015, 1e-15)).toBeNull();
    expect(probabilityWithin(0.5000005, 1e-15)).toBeNull();
    expect(probabilityWithin(0.5000004, 1e-15)).toBe('0.500000');
    expect(probabilityWithin(0.9999999, 1e-15)).toBe('0.999999');
    expect(probabilityWithin(1e-300, 1e-15)).toBe('0.000001');
  });
});
