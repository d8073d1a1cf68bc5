import { retryDelayMs, WEBHOOK_TIMING } from './webhook-timing';
import { parseDeliverJob } from './webhooks.jobs';

describe('retryDelayMs', () => {
  it('doubles from 5 s, is capped at 2 h, and jitter only shortens it', () => {
    expect(retryDelayMs(1, () => 0)).toBe(5_000);
    expect(retryDelayMs(2, () => 0)).toBe(10_000);
    expect(retryDelayMs(30, () => 0)).toBe(2 * 3600_000);
    expect(retryDelayMs(1, () => 1)).toBe(4_000);
    expect(retryDelayMs(500, () => 0.5)).toBe(Math.round(2 * 3600_000 * 0.9));
  });

  it('keeps retrying for the whole 24 h window even with the shortest jitter', () => {
    // Attempts happen while the first is younger than retryForMs; count them.
    let elapsed = 0;
    let attempts = 1;
    while (elapsed < WEBHOOK_TIMING.retryForMs) {
      elapsed += retryDelayMs(attempts, () => 1);
      attempts++;
    }
    expect(elapsed).toBeGreaterThanOrEqual(24 * 3600_000);
    expect(attempts).toBeGreaterThan(10);
    expect(attempts).toBeLessThan(40);
  });
});

describe('parseDeliverJob', () => {
  const id = '3f0b8f0e-4c1e-4d3b-9a59-2f7b0c1d9e21';
  it.each([
    [{ version: 2, deliveryId: id, attempt: 1 }, /version 2/],
    [{ version: 1, deliveryId: 'x', attempt: 1 }, /UUID/],
    [{ version: 1, deliveryId: id, attempt: 0 }, /attempt/],
    [{ version: 1, deliveryId: id, attempt: 1.5 }, /attempt/],
    [null, /version/],
  ])('refuses %j', (data, message) => {
    expect(() => parseDeliverJob(data)).toThrow(message);
  });

  it('reads a valid payload', () => {
    expect(parseDeliverJob({ version: 1, deliveryId: id, attempt: 3 })).toEqual({
      version: 1,
      deliveryId: id,
      attempt: 3,
    });
  });
});
