import { StreamableFile } from '@nestjs/common';
import { FastifyAdapter, RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyReply } from 'fastify';
import { Readable } from 'node:stream';
import {
  Page,
  SerializedJson,
  SuccessEnvelope,
  envelopeMeta,
  successEnvelopeBytes,
} from './envelope';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set by `@RawResponse()`. */
    rawResponse?: boolean;
  }
}

/**
 * Marks a handler whose result is sent as it is (Prometheus text, dashboards). It is Fastify
 * route config, which the adapter below can read from the reply; a handler that needs a
 * `@RouteConfig()` of its own must put `rawResponse: true` in it instead.
 */
export const RawResponse = () => RouteConfig({ rawResponse: true });

/** A handler's result in the success envelope; a `Page` puts its pagination in meta. */
export function successEnvelope(result: unknown, requestId: string): SuccessEnvelope<unknown> {
  const meta = envelopeMeta(requestId);
  if (result instanceof Page) {
    return { success: true, data: result.items, meta: { ...meta, pagination: result.pagination } };
  }
  return { success: true, data: result ?? null, meta };
}

function isFastifyReply(response: unknown): response is FastifyReply {
  return typeof (response as Partial<FastifyReply>).request === 'object';
}

/**
 * Nest's Fastify adapter, with the success envelope built where Nest hands a route handler's
 * result to Fastify (`reply()`; `@Res()` handlers and our exception filter send by
 * themselves and never come here). A `SerializedJson` result gets the envelope as bytes
 * around its bytes, so a cached answer is not stringified again.
 *
 * This replaces a global interceptor: an interceptor makes Nest run every handler through
 * an rxjs chain (Observables, subscriptions, an AsyncResource per request), which the
 * profile of GET /api/health put at 8 % of the CPU.
 * A Fastify `preSerialization` hook was the other candidate; it cannot tell a handler's
 * result from the error envelope, the 404 body or a router error (all objects sent through
 * the same reply), and never sees `undefined`, which becomes `data: null` here.
 */
export class EnvelopingFastifyAdapter extends FastifyAdapter {
  override reply(
    response: Parameters<FastifyAdapter['reply']>[0],
    body: unknown,
    statusCode?: number,
  ) {
    if (isFastifyReply(response) && !isStream(body)) {
      if (body instanceof SerializedJson) {
        void response.type('application/json; charset=utf-8');
        body = successEnvelopeBytes(body, response.request.id);
      } else if (response.request.routeOptions.config.rawResponse !== true) {
        body =
          (statusCode ?? response.statusCode) === 204
            ? undefined
            : successEnvelope(body, response.request.id);
      }
    }
    return super.reply(response, body, statusCode);
  }
}

/** A streamed body is sent as it is: it has no JSON form to put in `data`. */
function isStream(body: unknown): boolean {
  return body instanceof StreamableFile || body instanceof Readable;
}
