import { CanActivate, ExecutionContext, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerException,
  ThrottlerGuard,
  ThrottlerModuleOptions,
  ThrottlerStorage,
} from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { AppConfig } from '../../config/app-config';
import { ServiceUnavailableError } from '../errors/app-error';
import { Prefetches } from '../http/prefetch';
import { routeMetadata } from '../http/route-metadata';
import { clientAddress } from './client-address';
import { RATE_LIMIT_CLASS, RateLimitClass } from './rate-limit.decorator';

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

/** The library's guard, used for what it does per counted request: count, headers, 429. */
class Counter extends ThrottlerGuard {
  count(props: Parameters<ThrottlerGuard['handleRequest']>[0]): Promise<boolean> {
    return this.handleRequest(props);
  }

  get throttler() {
    return this.throttlers[0];
  }
}

/**
 * One Redis-backed throttler, with the quota and the tracker chosen by route class.
 * If Redis cannot answer, `read` and `write` fail open (PostgreSQL still guards money and
 * availability matters more), `auth` fails closed with 503 (it is the brute-force target).
 *
 * `canActivate` is ours: the route class (read once per route) decides quota, window and key,
 * so the base guard's per-request reads of `@Throttle`/`@SkipThrottle` metadata, which no
 * route uses, are skipped; counting, headers and the 429 stay the library's `handleRequest`.
 * It wraps the library's guard rather than extending it so that a route without a limit
 * (health, class `none`) is let through with a plain `true`, no promise.
 */
@Injectable()
export class AppThrottlerGuard implements CanActivate, OnModuleInit {
  private readonly log = new Logger(AppThrottlerGuard.name);
  private readonly declaredClass: (context: ExecutionContext) => RateLimitClass | undefined;
  private readonly counter: Counter;

  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly config: AppConfig,
    private readonly prefetches: Prefetches,
  ) {
    this.counter = new Counter(options, storage, reflector);
    this.declaredClass = routeMetadata(reflector, RATE_LIMIT_CLASS);
  }

  onModuleInit(): Promise<void> {
    return this.counter.onModuleInit();
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
    // In the same event-loop turn as the counter below: one Redis write for both.
    this.prefetches.start(context, request);
    try {
      return await this.counter.count({
        context,
        limit,
        ttl: windowMs,
        blockDuration: windowMs,
        throttler: this.counter.throttler,
        getTracker: () => tracker,
        generateKey: () => `rate:${routeClass}:${tracker}`,
      });
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
