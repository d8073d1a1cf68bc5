import type { OpenAPIObject } from '@nestjs/swagger';
import type { ErrorCode } from '../errors/error-code';

type OperationObject = NonNullable<OpenAPIObject['paths'][string]['get']>;

/** A route registered on Fastify directly, as the document builder needs it. */
export interface FastifyRouteDoc {
  path: string;
  method: 'get';
  /** With an `operationId`; error responses are added by the builder from `errorCodes`. */
  operation: OperationObject & { operationId: string };
  /** Codes beyond those every route can give (400, 401, 500, 503). */
  errorCodes: ErrorCode[];
}

const documented = new Map<string, FastifyRouteDoc>();

/**
 * Routes registered on Fastify directly (Nest's scanner cannot see them, e.g. the WebSocket
 * upgrade at GET /api/ws) are documented by their module here, at load time; the document
 * builder completes them like every other operation, so /docs-json lists every route served.
 */
export function documentFastifyRoute(route: FastifyRouteDoc): void {
  documented.set(`${route.method} ${route.path}`, route);
}

export function fastifyRouteDocs(): FastifyRouteDoc[] {
  return [...documented.values()];
}
