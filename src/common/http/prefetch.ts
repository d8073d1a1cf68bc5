import { ExecutionContext, Injectable, createParamDecorator } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/** A read started for one request; an object, so Nest's pipes pass it on unsettled. */
export interface Prefetch<T> {
  readonly result: Promise<T>;
}

/** Starts the read, or returns undefined to start none (e.g. for a malformed id). */
type Start = (request: FastifyRequest) => Promise<unknown> | undefined;

const started = new WeakMap<object, Prefetch<unknown>>();

/**
 * Redis reads a route handler will need, started by the rate limiter next to its counter:
 * ioredis's auto-pipelining sends commands issued in one event-loop turn as one write, so
 * the counter and the read share one round trip instead of taking two in series (the guard
 * must answer before the handler runs). A route registers how to start its read; its
 * handler takes the read with `@Prefetched()` (undefined when none was started, e.g. a route
 * without a rate limit) and uses it in place of the one it would issue. The read is only an
 * earlier start of the same read: it is issued after the request arrived, belongs to that
 * request alone, and is dropped if the request is refused.
 */
@Injectable()
export class Prefetches {
  private readonly starts = new WeakMap<object, Start>();

  /** `handler` is the controller's method (`SomeController.prototype.get`). */
  register(handler: object, start: Start): void {
    this.starts.set(handler, start);
  }

  start(context: ExecutionContext, request: FastifyRequest): void {
    const start = this.starts.get(context.getHandler());
    if (!start) return;
    const result = start(request);
    if (!result) return;
    // A refused request never takes its read; its failure is the handler's to handle.
    result.catch(() => undefined);
    started.set(request, { result });
  }
}

/** The read the route's registered prefetch started for this request, if any. */
export const Prefetched = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Prefetch<unknown> | undefined =>
    started.get(context.switchToHttp().getRequest<FastifyRequest>()),
);
