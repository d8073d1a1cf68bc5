import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectThrottlerStorage, ThrottlerException, ThrottlerStorage } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig } from '../../config/app-config';
import { ServiceUnavailableError } from '../errors/app-error';
import { Prefetches } from '../http/prefetch';
import { routeMetadata } from '../http/route-metadata';
import { clientAddress } from './client-address';
import { RATE_LIMIT_CLASS, RateLimitClass } from './rate-limit.decorator';
import { RedisThrottlerStorage } from './redis-throttler-storage';

/** The throttler's name in its Redis keys (`{rate:…:default}:hits`), as the library's. */
const THROTTLER_NAME = 'default';

interface AuthenticatedRequest extends FastifyRequest {
  user?: { id: string; apiKey?: { id: string } };
}

/** Who a quota counts against: the API key, else the user (writes), else the client address. */
function trackerFor(routeClass: RateLimitClass, request: AuthenticatedRequest): string {
  if (request.user?.apiKey && routeClass !== 'auth') return `key:${request.user.apiKey.id}`;
  if ((routeClass === 'write' || routeClass === 'credentials') && request.user) {
    return `user:${request.user.id}`;
  }
  return `ip:${clientAddress(request)}`;
}

/**
 * One Redis-backed throttler, with the quota and the tracker chosen by route class.
 * If Redis cannot answer, `read` and `write` fail open (PostgreSQL still guards money and
 * availability matters more), `auth` fails closed with 503 (it is the brute-force target).
 *
 * What @nestjs/throttler's guard does per request (count, the X-RateLimit-* headers, 429
 * with Retry-After) is done here in its terms (its storage interface, its exception, its
 * headers), because the count is also a route's cache read: the storage's script reads the
 * keys a route registered (`Prefetches`) in the same Redis command as the counter, one
 * command per cached read instead of a counter and a read pipelined (which made ioredis
 * build a pipeline per request). The route class (read once per route) decides quota,
 * window and key; a route without a limit (health, class `none`) is let through with a
 * plain `true`, no promise.
 */
@Injectable()
export class AppThrottlerGuard implements CanActivate {
  private readonly log = new Logger(AppThrottlerGuard.name);
  private readonly declaredClass: (context: ExecutionContext) => RateLimitClass | undefined;
  private readonly storage: RedisThrottlerStorage;

  constructor(
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly config: AppConfig,
    private readonly prefetches: Prefetches,
  ) {
    // ThrottlingModule provides this storage; a different one would not read with the count.
    if (!(storage instanceof RedisThrottlerStorage))
      throw new Error('rate limits need RedisThrottlerStorage');
    this.storage = storage;
    this.declaredClass = routeMetadata(reflector, RATE_LIMIT_CLASS);
  }

  private routeClass(context: ExecutionContext, request: FastifyRequest): RateLimitClass {
    const declared = this.declaredClass(context);
    if (declared) return declared;
    return request.method === 'GET' || request.method === 'HEAD' ? 'read' : 'write';
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const routeClass = this.routeClass(context, request);
    if (routeClass === 'none') return true;
    return this.count(context, request, routeClass);
  }

  private async count(
    context: ExecutionContext,
    request: AuthenticatedRequest,
    routeClass: Exclude<RateLimitClass, 'none'>,
  ): Promise<boolean> {
    const tracker = trackerFor(routeClass, request);
    const limit = this.config.rateLimit[routeClass === 'credentials' ? 'auth' : routeClass];
    const windowMs = this.config.rateLimit.windowMs;
    const reads = this.prefetches.keysFor(context, request);
    const counted = this.storage.incrementAndRead(
      `rate:${routeClass}:${tracker}`,
      windowMs,
      limit,
      windowMs,
      THROTTLER_NAME,
      reads ?? [],
    );
    if (reads)
      this.prefetches.deliver(
        request,
        counted.then((result) => result.values),
      );
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    try {
      const { totalHits, timeToExpire, isBlocked, timeToBlockExpire } = await counted;
      if (isBlocked) {
        void reply.header('retry-after', timeToBlockExpire);
        throw new ThrottlerException();
      }
      void reply
        .header('x-ratelimit-limit', limit)
        .header('x-ratelimit-remaining', Math.max(0, limit - totalHits))
        .header('x-ratelimit-reset', timeToExpire);
      return true;
    } catch (error) {
      if (error instanceof ThrottlerException) throw error;
      if (routeClass === 'auth' || routeClass === 'credentials') {
        throw new ServiceUnavailableError(
          'Rate limiting is unavailable; sign-in is paused briefly.',
        );
      }
      this.log.warn(
        { err: (error as Error).message, routeClass },
        'rate limit store failed; allowing',
      );
      return true;
    }
  }
}
