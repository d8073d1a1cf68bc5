import { ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/** Values of the Redis keys a route registered, in order (null for a missing key). */
export type PrefetchedValues = Array<Buffer | null>;

/** The keys to read for a request, or undefined to read none (e.g. for a malformed id). */
type KeysOf = (request: FastifyRequest) => string[] | undefined;

const delivered = new WeakMap<object, Promise<PrefetchedValues>>();

/**
 * Redis reads a route handler will need, made by the rate limiter in the same command as
 * its counter (its script reads the keys, `RedisThrottlerStorage.incrementAndRead`): one
 * Redis command per request instead of a counter and a read (the guard must answer before
 * the handler runs, so two would also be two round trips unless pipelined). A route
 * registers which keys it reads; its handler takes their values with `take(request)`
 * (undefined when none were read, e.g. a route without a rate limit) and uses them in place
 * of the read it would issue. A method rather than a parameter decorator: a custom
 * parameter goes through the global ValidationPipe (promises and allocation per request on
 * the hottest read route, for nothing to validate). The read belongs to that request
 * alone, and is dropped if the request is refused.
 */
@Injectable()
export class Prefetches {
  private readonly keys = new WeakMap<object, KeysOf>();

  /** `handler` is the controller's method (`SomeController.prototype.get`). */
  register(handler: object, keysOf: KeysOf): void {
    this.keys.set(handler, keysOf);
  }

  /** The keys the route of `context` reads for `request`, if it registered any. */
  keysFor(context: ExecutionContext, request: FastifyRequest): string[] | undefined {
    return this.keys.get(context.getHandler())?.(request);
  }

  /** Hands the values read for `request` to its handler (`take`). */
  deliver(request: FastifyRequest, values: Promise<PrefetchedValues>): void {
    // A refused request never takes its read; its failure is the handler's to handle.
    values.catch(() => undefined);
    delivered.set(request, values);
  }

  /** The values the route's registered keys were read as for `request`, if they were. */
  take(request: FastifyRequest): Promise<PrefetchedValues> | undefined {
    return delivered.get(request);
  }
}
