import { Dec, probabilityFixed } from '../../common/money/decimal';
import { multiPrices } from './lmsr-n';
import { outcomeProbabilitiesFixed, outcomeViews, storedProbabilityOf } from './market-outcomes';

const market = (outcomeQ: string[]) => ({
  outcomeIds: outcomeQ.map((_, i) => `outcome${i}`),
  outcomeLabels: outcomeQ.map((_, i) => `Candidate ${i + 1}`),
  outcomeQ,
  liquidity: '100.00',
});

/** The prices computed afresh at 50 digits, as the API reports them. */
const fresh = (outcomeQ: string[]) =>
  multiPrices({ q: outcomeQ.map((q) => new Dec(q)), liquidity: new Dec('100.00') }).map((p) =>
    probabilityFixed(p),
  );

describe('outcome prices remembered by state', () => {
  it('answer what a fresh 50-digit computation answers, every time', () => {
    const q = ['12.500000', '0.000000', '40.250000', '3.000001'];
    for (let i = 0; i < 3; i++) {
      expect(outcomeProbabilitiesFixed(market(q))).toEqual(fresh(q));
      expect(outcomeViews(market(q)).map((v) => v.probability)).toEqual(fresh(q).map(Number));
    }
  });

  it('never serve a state for another: a new q is priced afresh', () => {
    const before = ['10.000000', '10.000000', '10.000000'];
    const after = ['12.000000', '10.000000', '10.000000'];
    expect(outcomeProbabilitiesFixed(market(before))).toEqual(fresh(before));
    expect(outcomeProbabilitiesFixed(market(after))).toEqual(fresh(after));
    expect(fresh(after)).not.toEqual(fresh(before));
    expect(storedProbabilityOf(market(after))).toBe(fresh(after)[0]);
  });

  it('hand out copies: a caller changing its array changes nothing remembered', () => {
    const q = ['1.000000', '2.000000', '3.000000'];
    outcomeProbabilitiesFixed(market(q)).fill('0.5');
    expect(outcomeProbabilitiesFixed(market(q))).toEqual(fresh(q));
  });
});
