import { InvalidSettlementJobError, parseSettleJob, settleJobId } from './settlement.jobs';

const MARKET_ID = 'b8b9e513-9909-4f9b-a9f5-01d604cdde20';

describe('settlement jobs', () => {
  it.each([
    ['not an object', 'settle'],
    ['null', null],
    ['an unknown version', { version: 2, marketId: MARKET_ID }],
    ['no version', { marketId: MARKET_ID }],
    ['a marketId that is not a UUID', { version: 1, marketId: 'market-1' }],
    ['no marketId', { version: 1 }],
  ])('refuses a payload with %s', (_label, payload) => {
    expect(() => parseSettleJob(payload)).toThrow(InvalidSettlementJobError);
  });

  it('reads a version 1 payload, dropping unknown fields', () => {
    expect(parseSettleJob({ version: 1, marketId: MARKET_ID, extra: true })).toEqual({
      version: 1,
      marketId: MARKET_ID,
    });
  });

  it('names the job after the market, as POST /markets/:id/resolve returns it', () => {
    expect(settleJobId(MARKET_ID)).toBe(`settle-${MARKET_ID}`);
  });
});
