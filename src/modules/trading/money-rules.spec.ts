import { probability, probabilityFixed } from '../../common/money/decimal';
import {
  basisRemoved,
  cancelRefund,
  cancelRefundRatio,
  netInvestment,
  payout,
} from './money-rules';

// Worked examples, one scenario each, with the arithmetic written out (as Ghostfolio's
// portfolio-calculator specs do). Every value is an exact decimal string.

describe('money rules', () => {
  describe('CANCEL refunds', () => {
    it('refunds each position its net investment when the collateral covers it', () => {
      // Market b = 100: subsidy = ceil(100 · ln 2, 2) = 69.32.
      // Alice buys YES for 40.00, Bob buys NO for 25.00, Bob sells NO for 10.00.
      // collateral = 69.32 + 40.00 + 25.00 − 10.00 = 124.32
      // net: Alice 40.00 − 0 = 40.00, Bob 25.00 − 10.00 = 15.00; Σ = 55.00
      // ratio = min(1, 124.32 / 55.00) = min(1, 2.2603…) = 1
      const alice = { totalBought: '40.00', totalSold: '0.00' };
      const bob = { totalBought: '25.00', totalSold: '10.00' };
      const ratio = cancelRefundRatio('124.32', [alice, bob]);
      expect(ratio).toBe('1.0000000000');
      expect(cancelRefund(alice, ratio)).toBe('40.00');
      expect(cancelRefund(bob, ratio)).toBe('15.00');
      // The creator gets the rest: 124.32 − 40.00 − 15.00 = 69.32, exactly the subsidy.
    });

    it('never refunds below 0: a seller at a profit gets nothing back', () => {
      // Carol bought for 30.00 and sold for 45.00: net = max(30.00 − 45.00, 0) = 0.
      const carol = { totalBought: '30.00', totalSold: '45.00' };
      expect(netInvestment(carol).toFixed(2)).toBe('0.00');
      expect(cancelRefund(carol, '1.0000000000')).toBe('0.00');
    });

    it('scales every refund by one ratio, rounded down, when collateral is short', () => {
      // Market b = 10: subsidy = ceil(10 · ln 2, 2) = 6.94.
      // Dan buys YES for 50.00; Erin buys YES for 50.00; say Dan then sells for 60.00 (a profit).
      // collateral = 6.94 + 50.00 + 50.00 − 60.00 = 46.94
      // net: Dan max(50.00 − 60.00, 0) = 0, Erin 50.00; Σ = 50.00
      // ratio = min(1, 46.94 / 50.00) = 0.9388 → "0.9388000000"
      // Erin = floor(50.00 × 0.9388, 2) = 46.94; the creator gets 46.94 − 46.94 = 0.00.
      const dan = { totalBought: '50.00', totalSold: '60.00' };
      const erin = { totalBought: '50.00', totalSold: '0.00' };
      const ratio = cancelRefundRatio('46.94', [dan, erin]);
      expect(ratio).toBe('0.9388000000');
      expect(cancelRefund(dan, ratio)).toBe('0.00');
      expect(cancelRefund(erin, ratio)).toBe('46.94');
    });

    it('rounds the ratio down so the refunds never exceed the collateral', () => {
      // collateral 10.00 over three positions of 10.00 each: Σ = 30.00
      // ratio = 10.00 / 30.00 = 0.33333333333… → floor to 10 places = 0.3333333333
      // each refund = floor(10.00 × 0.3333333333, 2) = floor(3.333333333, 2) = 3.33
      // Σ refunds = 3 × 3.33 = 9.99 ≤ 10.00 (the creator gets 0.01).
      const each = { totalBought: '10.00', totalSold: '0.00' };
      const ratio = cancelRefundRatio('10.00', [each, each, each]);
      expect(ratio).toBe('0.3333333333');
      expect(cancelRefund(each, ratio)).toBe('3.33');
    });

    it('has no ratio when nobody has a positive net investment', () => {
      // Only a profitable seller: Σ = max(5.00 − 8.00, 0) = 0 → nothing to scale.
      expect(cancelRefundRatio('69.32', [{ totalBought: '5.00', totalSold: '8.00' }])).toBeNull();
      expect(cancelRefundRatio('69.32', [])).toBeNull();
    });
  });

  describe('payout', () => {
    const resolvedYes = {
      status: 'resolved' as const,
      outcome: 'YES' as const,
      cancelRefundRatio: null,
    };

    it('pays 1.00 per winning share, rounded down to the cent', () => {
      // 12.345678 YES shares → floor(12.345678 × 1.00, 2) = 12.34; the 0.005678 stays as residual.
      const winner = {
        outcome: 'YES' as const,
        shares: '12.345678',
        totalBought: '7.00',
        totalSold: '0.00',
      };
      expect(payout(resolvedYes, winner)).toBe('12.34');
    });

    it('pays 0.00 to the losing outcome', () => {
      const loser = {
        outcome: 'NO' as const,
        shares: '40.000000',
        totalBought: '20.00',
        totalSold: '0.00',
      };
      expect(payout(resolvedYes, loser)).toBe('0.00');
    });

    it('on CANCEL pays the refund, whatever the outcome held', () => {
      // Bought 20.00, sold 5.00 → net 15.00; ratio 0.5 → 15.00 × 0.5 = 7.50.
      const cancelled = {
        status: 'cancelled' as const,
        outcome: null,
        cancelRefundRatio: '0.5000000000',
      };
      const holder = {
        outcome: 'NO' as const,
        shares: '30.000000',
        totalBought: '20.00',
        totalSold: '5.00',
      };
      expect(payout(cancelled, holder)).toBe('7.50');
    });
  });

  describe('basisRemoved (average cost)', () => {
    it('removes the sold fraction of the basis, rounded down', () => {
      // invested 10.00 over 3.000000 shares; selling 1.000000 removes 10.00 × 1/3 = 3.333… → 3.33
      expect(basisRemoved({ shares: '3.000000', invested: '10.00' }, '1.000000')).toBe('3.33');
    });

    it('removes all of it when every share is sold, leaving no stranded cent', () => {
      // After the sale above: 2.000000 shares, 10.00 − 3.33 = 6.67 invested; sell both → 6.67.
      expect(basisRemoved({ shares: '2.000000', invested: '6.67' }, '2.000000')).toBe('6.67');
    });
  });

  describe('probability (every probability leaving the API)', () => {
    it('clamps to [0.000001, 0.999999], then rounds to 6 places', () => {
      // 0.9999996 would round to 1.000000; the clamp keeps it at 0.999999.
      expect(probabilityFixed('0.9999996')).toBe('0.999999');
      expect(probabilityFixed('1')).toBe('0.999999');
      // 4e-7 would round to 0; the clamp keeps it at 0.000001.
      expect(probabilityFixed('0.0000004')).toBe('0.000001');
      // Inside the range: half-even rounding at the 7th place, 0.5342105 → 0.534210.
      expect(probabilityFixed('0.5342105')).toBe('0.534210');
      expect(probability('0.53421051')).toBe(0.534211);
    });
  });
});
