import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { RateLimitedError, ServiceUnavailableError } from '../../common/errors/app-error';
import { AttemptLimiter } from '../../common/throttling/attempt-limiter';
import { normalizeEmail } from '../users/users.service';

/** The attempt-limiter key of an account; hashed so no email sits in Redis key names. */
export function signInAttemptKey(email: string): string {
  return `sign-in:${createHash('sha256').update(normalizeEmail(email)).digest('hex')}`;
}

/**
 * Sign-in is slowed per account as well as per IP: after RATE_LIMIT_AUTH attempts at one email
 * within the window, each further attempt must wait twice as long as the last (1 s, 2 s, 4 s …,
 * at most the window), from whatever addresses they come. A waiting attempt is a 429 with
 * Retry-After and costs no password hash. Unknown emails are slowed the same way, so the
 * answer says nothing about which accounts exist. A successful sign-in resets the count.
 */
@Injectable()
export class SignInAttemptsGuard implements CanActivate {
  constructor(private readonly attempts: AttemptLimiter) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const email = http.getRequest<FastifyRequest<{ Body: unknown }>>().body;
    const address = (email as { email?: unknown } | null)?.email;
    // Not a string: the validation pipe answers 400, nothing to count.
    if (typeof address !== 'string') return true;
    const waitMs = await this.attempts.attempt(signInAttemptKey(address)).catch(() => {
      throw new ServiceUnavailableError('Rate limiting is unavailable; sign-in is paused briefly.');
    });
    if (waitMs === 0) return true;
    throw new RateLimitedError(
      waitMs / 1000,
      'Too many sign-in attempts for this account; retry after Retry-After.',
    );
  }
}
