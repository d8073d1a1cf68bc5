import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * With METRICS_TOKEN set, a scrape must send `Authorization: Bearer <token>`. Compared as
 * SHA-256 digests with `timingSafeEqual`: neither length nor content shows in the timing.
 */
export function metricsScrapeAllowed(header: string | undefined, token: string | undefined) {
  if (token === undefined) return true;
  const match = /^Bearer (\S+)$/i.exec(header?.trim() ?? '');
  const equal = timingSafeEqual(digest(match?.[1] ?? ''), digest(token));
  return match !== null && equal;
}
