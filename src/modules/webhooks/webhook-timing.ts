/**
 * The delivery schedule. One object so tests can shorten it in process (as STREAM_TIMING);
 * nothing else changes it.
 */
export const WEBHOOK_TIMING = {
  /** An attempt, answer included, must finish within this; else it failed. */
  timeoutMs: 10_000,
  /** Bytes of the receiver's answer kept in the deliveries log. */
  maxResponseBytes: 1024,
  /** Pause before the 2nd attempt; doubled for each next one up to `maxRetryDelayMs`. */
  firstRetryDelayMs: 5_000,
  maxRetryDelayMs: 2 * 3600_000,
  /** Each pause is shortened by up to this fraction at random, so retries do not bunch. */
  jitter: 0.2,
  /** A delivery is retried while its first attempt is less than this old (then `failed`). */
  retryForMs: 24 * 3600_000,
  /** A webhook whose deliveries have all failed for this long is disabled, with the reason. */
  disableAfterMs: 24 * 3600_000,
  /** The dispatcher: events read per pass, and the pause when the log is drained. */
  dispatchBatch: 200,
  dispatchPollMs: 500,
  /** Pending deliveries whose next attempt is this overdue get their job added again. */
  sweepGraceMs: 60_000,
  sweepEveryMs: 30_000,
  /** Finished deliveries are kept in the log this long, then deleted by the sweep. */
  deliveryRetentionMs: 30 * 24 * 3600_000,
};

/**
 * The pause after failed attempt `attempt` (1, 2, …): exponential, capped, minus up to
 * `jitter` of it at random. With the defaults: about 5 s, 10 s, 20 s, … 2 h, then every 2 h,
 * which keeps retrying for the whole 24 h window (about 20 attempts).
 */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(
    WEBHOOK_TIMING.firstRetryDelayMs * 2 ** Math.min(attempt - 1, 30),
    WEBHOOK_TIMING.maxRetryDelayMs,
  );
  return Math.round(base * (1 - WEBHOOK_TIMING.jitter * random()));
}
