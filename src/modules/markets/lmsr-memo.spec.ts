import fc from 'fast-check';
import { Dec } from '../../common/money/decimal';
import { exp, ln } from './lmsr-memo';

/** Decimals as LMSR forms them: up to 50 significant digits, exponents from -60 to 3. */
const decimal = fc
  .tuple(fc.bigInt({ min: 1n, max: 10n ** 50n - 1n }), fc.integer({ min: -60, max: 3 }))
  .map(([digits, exponent]) => new Dec(`${digits}e${exponent - 49}`));

describe('remembered e^x and ln x', () => {
  it('equal decimal.js digit for digit, whether computed or remembered', () => {
    fc.assert(
      fc.property(decimal, fc.boolean(), (x, negate) => {
        const arg = negate ? x.neg() : x;
        const first = exp(arg);
        expect(first.eq(arg.exp())).toBe(true);
        // The same value built again is a hit: the very same instance comes back.
        expect(exp(new Dec(arg.toString()))).toBe(first);
        expect(ln(x).eq(x.ln())).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('never answers for a neighbour: arguments one unit apart in the 50th digit differ', () => {
    // e^x at x ≈ 100 and ln x at x ≈ 1 both move visibly within 50 digits for such a step.
    const x = new Dec('100.12345678901234567890123456789012345678901234567');
    const y = new Dec('1.0000000000000000000000000000000000000000000000001');
    for (const [value, step, f, reference] of [
      [x, '1e-47', exp, (v: Dec) => v.exp()],
      [y, '1e-49', ln, (v: Dec) => v.ln()],
    ] as const) {
      const neighbour = value.plus(step);
      const remembered = f(value);
      expect(f(neighbour).eq(reference(neighbour))).toBe(true);
      expect(f(neighbour).eq(remembered)).toBe(false);
    }
  });
});
