import { ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerException,
  ThrottlerGuard,
  ThrottlerModuleOptions,
  ThrottlerRequest,
  ThrottlerStorage,
} from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { AppConfig } from '../../config/app-config';
import { ServiceUnavailableError } from '../errors/app-error';
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

/**
 * One Redis-backed throttler, with the quota and the tracker chosen by route class.
 * If Redis cannot answer, `read` and `write` fail open (PostgreSQL still guards money and
 * availability matters more), `auth` fails closed with 503 (it is the brute-force target).
 */
@Injectable()
export class AppThrottlerGuard extends ThrottlerGuard {
  private readonly log = new Logger(AppThrottlerGuard.name);

  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly config: AppConfig,
  ) {
    super(options, storage, reflector);
  }

  private routeClass(context: ExecutionContext): RateLimitClass {
    const declared = this.reflector.getAllAndOverride<RateLimitClass | undefined>(
      RATE_LIMIT_CLASS,
      [context.getHandler(), context.getClass()],
    );
    if (declared) return declared;
    const method = context.switchToHttp().getRequest<FastifyRequest>().method;
    return method === 'GET' || method === 'HEAD' ? 'read' : 'write';
  }

  protected override async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const routeClass = this.routeClass(props.context);
    if (routeClass === 'none') return true;
    const request = props.context.switchToHttp().getRequest<AuthenticatedRequest>();
    const tracker = trackerFor(routeClass, request);
    const limit = this.config.rateLimit[routeClass === 'credentials' ? 'auth' : routeClass];
    try {
      return await super.handleRequest({
        ...props,
        limit,
        ttl: this.config.rateLimit.windowMs,
        blockDuration: this.config.rateLimit.windowMs,
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
