import { publicData } from './event-projection';

describe('publicData', () => {
  it("drops the trader's and the resolver's ids and any field not listed", () => {
    expect(
      publicData('trade.executed', {
        tradeId: 't1',
        userId: 'u1',
        side: 'buy',
        outcome: 'YES',
        shares: '1.000000',
        amount: '1.00',
        probabilityBefore: 0.5,
        probabilityAfter: 0.51,
        email: 'a@example.com',
      }),
    ).toEqual({
      tradeId: 't1',
      side: 'buy',
      outcome: 'YES',
      shares: '1.000000',
      amount: '1.00',
      probabilityBefore: 0.5,
      probabilityAfter: 0.51,
    });
    expect(
      publicData('market.resolved', { resolution: 'YES', resolvedBy: 'u2', resolvedAt: 'x' }),
    ).toEqual({ resolution: 'YES', resolvedAt: 'x' });
  });

  it('keeps the creatorId of market.created (public on the market itself)', () => {
    expect(publicData('market.created', { name: 'n', creatorId: 'c' })).toEqual({
      name: 'n',
      creatorId: 'c',
    });
  });
});
