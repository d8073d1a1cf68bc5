import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ASYNCAPI_DOCUMENT_PATH, buildAsyncApiDocument } from './asyncapi-document';

/**
 * Serves the AsyncAPI document at /docs/asyncapi.json, beside Swagger UI's /docs-json: a
 * plain Fastify route like Swagger's own, so no `/api` prefix, no envelope and not an
 * operation of the OpenAPI document. The document depends on code only, so it is built once.
 */
export function mountAsyncApiDocument(app: NestFastifyApplication): void {
  const body = JSON.stringify(buildAsyncApiDocument());
  app
    .getHttpAdapter()
    .getInstance()
    .get(ASYNCAPI_DOCUMENT_PATH, async (_request, reply) =>
      reply.type('application/json; charset=utf-8').send(body),
    );
}
