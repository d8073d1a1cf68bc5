import { SetMetadata } from '@nestjs/common';

/**
 * Route classes with their own per-minute quota: `read` per client (IP), `write` per
 * authenticated user, `auth` (login, register, refresh) per IP, `credentials` (creating an
 * API key) the `auth` quota per user. A caller with an API key is counted per key in every
 * class. GET routes are `read`, other methods `write`, unless a route says otherwise.
 */
export type RateLimitClass = 'read' | 'write' | 'auth' | 'credentials' | 'none';

export const RATE_LIMIT_CLASS = 'rate-limit-class';
export const RateLimit = (rateLimitClass: RateLimitClass) =>
  SetMetadata(RATE_LIMIT_CLASS, rateLimitClass);
