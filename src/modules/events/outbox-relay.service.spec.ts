import { relayBackoffMs, toMarketEvent } from './outbox-relay.service';

describe('relayBackoffMs', () => {
  it('doubles from 200 ms per consecutive failure and stops at 5 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 100].map(relayBackoffMs)).toEqual([
      200, 400, 800, 1600, 3200, 5000, 5000, 5000,
    ]);
  });
});

describe('toMarketEvent', () => {
  it('is the outbox payload plus eventId, a numeric seq and occurredAt', () => {
    const event = toMarketEvent({
      id: '9b2f7c1e-4d0a-4c8e-9a53-0f6e2d1b7a10',
      seq: '42',
      type: 'trade.executed',
      payload: {
        version: 1,
        type: 'trade.executed',
        marketId: '3f1d2c4b-5a69-4e7f-8a1b-2c3d4e5f6a7b',
        data: { side: 'buy' },
      },
      createdAt: new Date('2026-01-02T03:04:05.678Z'),
      attempts: 0,
    });
    expect(event).toEqual({
      version: 1,
      type: 'trade.executed',
      marketId: '3f1d2c4b-5a69-4e7f-8a1b-2c3d4e5f6a7b',
      data: { side: 'buy' },
      eventId: '9b2f7c1e-4d0a-4c8e-9a53-0f6e2d1b7a10',
      seq: 42,
      occurredAt: '2026-01-02T03:04:05.678Z',
    });
  });
});
