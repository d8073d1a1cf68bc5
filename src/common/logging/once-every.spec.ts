import { onceEvery } from './once-every';

describe('onceEvery', () => {
  afterEach(() => vi.useRealTimers());

  it('opens once, stays shut within the interval, and opens again after it', () => {
    vi.useFakeTimers();
    const gate = onceEvery(1000);
    expect(gate()).toBe(true);
    expect(gate()).toBe(false);
    vi.advanceTimersByTime(999);
    expect(gate()).toBe(false);
    vi.advanceTimersByTime(1);
    expect(gate()).toBe(true);
  });
});
