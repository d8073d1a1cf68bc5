/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-argument --
   This file walks the generated document, plain JSON without a type worth declaring. */
import { HTTP_CODE_METADATA, METHOD_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ModulesContainer } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { Logger } from '@nestjs/common';
import { API_KEY_SECURITY, REQUIRED_PERMISSIONS } from '../auth/require-permissions.decorator';
import { NotFoundError } from '../errors/app-error';
import { ERROR_STATUS, ErrorCode } from '../errors/error-code';
import { errorEnvelope } from '../filters/all-exceptions.filter';
import { RATE_LIMIT_CLASS, RateLimitClass } from '../throttling/rate-limit.decorator';
import { API_ERROR_CODES, ERROR_EXAMPLE_MESSAGES, META_EXAMPLE } from './api-envelope.decorator';
import { resolveRelativeExamples } from './examples';
import { fastifyRouteDocs } from './fastify-routes';

/**
 * The tags in the order a newcomer needs them, each with one line on what it is for. Tags
 * not listed here (a new module's) come after these and before the admin and operations
 * ones, which always close the list.
 */
export const TAGS: Array<{ name: string; description: string }> = [
  { name: 'Auth', description: 'Create an account, sign in, refresh and revoke tokens.' },
  {
    name: 'Markets',
    description: 'Yes/no questions priced by a market maker: browse, create, quote, resolve.',
  },
  { name: 'Trading', description: 'Buy and sell shares of an outcome; your positions.' },
  { name: 'Search', description: 'Find markets by words and by meaning.' },
  { name: 'Me', description: 'Your own trades and balance history.' },
  { name: 'API keys', description: 'Keys for bots and scripts: create, list, revoke.' },
  { name: 'Events', description: 'Every public change as a resumable log and live streams.' },
  {
    name: 'Webhooks',
    description: 'Signed POSTs of your events to a URL you own, retried for 24 h; their log.',
  },
];
const CLOSING_TAGS: Array<{ name: string; description: string }> = [
  { name: 'Users (admin)', description: 'Admins: list users, change roles, grant credits.' },
  { name: 'Operations', description: 'Liveness and readiness probes for operators.' },
];

export const BEARER = 'bearer';
const EXAMPLE_ID = '3f0b8f0e-4c1e-4d3b-9a59-2f7b0c1d9e21';
const docsLogger = new Logger('Docs');

/** Headers a response may carry that clients act on; the e2e hook checks each is documented. */
export const CONTRACT_HEADERS = [
  'x-request-id',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'retry-after',
  'idempotent-replayed',
] as const;

const HEADER_DOCS: Record<(typeof CONTRACT_HEADERS)[number], object> = {
  'x-request-id': {
    description:
      'The request id: a valid incoming X-Request-Id, else a new UUID. Also `meta.requestId`.',
    schema: { type: 'string', example: '3f0b8f0e-4c1e-4d3b-9a59-2f7b0c1d9e21' },
  },
  'x-ratelimit-limit': {
    description: 'Requests allowed per window for this route class.',
    schema: { type: 'integer', example: 100 },
  },
  'x-ratelimit-remaining': {
    description: 'Requests left in the current window.',
    schema: { type: 'integer', example: 99 },
  },
  'x-ratelimit-reset': {
    description: 'Seconds until the window resets.',
    schema: { type: 'integer', example: 60 },
  },
  'retry-after': {
    description: 'Seconds to wait before retrying.',
    schema: { type: 'integer', example: 42 },
  },
  'idempotent-replayed': {
    description:
      '`true` when this is the stored answer to an earlier request with the same Idempotency-Key.',
    schema: { type: 'string', enum: ['true'] },
  },
};
const HEADER_NAMES: Record<(typeof CONTRACT_HEADERS)[number], string> = {
  'x-request-id': 'X-Request-Id',
  'x-ratelimit-limit': 'X-RateLimit-Limit',
  'x-ratelimit-remaining': 'X-RateLimit-Remaining',
  'x-ratelimit-reset': 'X-RateLimit-Reset',
  'retry-after': 'Retry-After',
  'idempotent-replayed': 'Idempotent-Replayed',
};

/** What the document needs to know about a route that the decorators do not say. */
interface RouteFacts {
  rateLimited: boolean;
  authenticated: boolean;
  hasBody: boolean;
  httpCode: number | undefined;
  errorCodes: ErrorCode[];
}

/** Route facts by operationId (`Controller_method`, Nest's default), read from the metadata. */
function routeFacts(app: NestFastifyApplication): Map<string, RouteFacts> {
  const facts = new Map<string, RouteFacts>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new () => object) | null;
      if (!controller) continue;
      const prototype = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        if (Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
        const rateLimit =
          (Reflect.getMetadata(RATE_LIMIT_CLASS, handler) as RateLimitClass | undefined) ??
          (Reflect.getMetadata(RATE_LIMIT_CLASS, controller) as RateLimitClass | undefined);
        const permissions =
          Reflect.getMetadata(REQUIRED_PERMISSIONS, handler) ??
          Reflect.getMetadata(REQUIRED_PERMISSIONS, controller);
        const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, name) ?? {}) as Record<
          string,
          unknown
        >;
        facts.set(`${controller.name}_${name}`, {
          rateLimited: rateLimit !== 'none',
          authenticated: permissions !== undefined,
          hasBody: Object.keys(args).some((key) => key.startsWith(`${RouteParamtypes.BODY}:`)),
          httpCode: Reflect.getMetadata(HTTP_CODE_METADATA, handler) as number | undefined,
          errorCodes: [
            ...((Reflect.getMetadata(API_ERROR_CODES, controller) as ErrorCode[] | undefined) ??
              []),
            ...((Reflect.getMetadata(API_ERROR_CODES, handler) as ErrorCode[] | undefined) ?? []),
          ],
        });
      }
    }
  }
  return facts;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

function errorResponse(status: number, codes: ErrorCode[]): Json {
  return {
    description: codes.join(' or '),
    headers: {},
    content: {
      'application/json': {
        schema: {
          allOf: [
            { $ref: '#/components/schemas/ErrorEnvelopeDto' },
            {
              type: 'object',
              properties: {
                error: { type: 'object', properties: { code: { type: 'string', enum: codes } } },
              },
            },
          ],
        },
        examples: Object.fromEntries(
          codes.map((code) => [code, { $ref: `#/components/examples/${code}` }]),
        ),
      },
    },
  };
}

/** Error codes an operation documents today, read back from the examples ApiErrors wrote. */
function documentedCodes(responses: Json): Set<ErrorCode> {
  const codes = new Set<ErrorCode>();
  for (const [status, response] of Object.entries(responses)) {
    if (Number(status) < 400) continue;
    const examples = (response as Json).content?.['application/json']?.examples ?? {};
    for (const code of Object.keys(examples)) codes.add(code as ErrorCode);
  }
  return codes;
}

/**
 * Turns the scanned document into the contract: every status each operation can give with
 * the error codes that status carries, response headers, `security` on every operation,
 * 204s, 413/415 on bodies, 429 where rate-limited. Driven by route metadata, so a route
 * added later is documented the same way without anyone remembering to.
 */
export function completeDocument(
  document: OpenAPIObject,
  facts: Map<string, RouteFacts>,
): OpenAPIObject {
  const used = new Set<string>();
  for (const pathItem of Object.values(document.paths)) {
    for (const [method, operation] of Object.entries(pathItem as Json)) {
      if (!['get', 'put', 'post', 'delete', 'patch'].includes(method)) continue;
      const op = operation as Json;
      const route = facts.get(op.operationId as string) ?? {
        rateLimited: true,
        authenticated: false,
        hasBody: op.requestBody !== undefined,
        httpCode: undefined,
        errorCodes: [],
      };
      for (const tag of (op.tags ?? []) as string[]) used.add(tag);
      // Path ids are UUIDs (IdParam): say so, and prefill one (an unknown id is a 404).
      for (const parameter of (op.parameters ?? []) as Json[]) {
        if (parameter.in === 'path' && /(^id|Id)$/.test(parameter.name as string)) {
          parameter.schema = { type: 'string', format: 'uuid' };
          parameter.example = EXAMPLE_ID;
        }
      }
      const responses = (op.responses ?? {}) as Json;

      // Every route: a malformed URL or header (400), a bad bearer token (401, public
      // routes too), shutdown or a dependency down (503), the unexpected (500).
      const codes = new Set<ErrorCode>([...documentedCodes(responses), ...route.errorCodes]);
      for (const code of [
        'VALIDATION_FAILED',
        'UNAUTHORIZED',
        'INTERNAL_ERROR',
        'SERVICE_UNAVAILABLE',
      ] as const) {
        codes.add(code);
      }
      if (route.rateLimited) codes.add('RATE_LIMITED');
      // Fastify reads a body on any method but GET, whether the route wants one or not.
      const takesBody = method !== 'get';
      if (takesBody) codes.add('PAYLOAD_TOO_LARGE');
      const byStatus = new Map<number, ErrorCode[]>();
      for (const code of codes) {
        const status = ERROR_STATUS[code];
        byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
      }
      // A body in another content type than JSON.
      if (takesBody) byStatus.set(415, ['VALIDATION_FAILED']);
      for (const status of Object.keys(responses)) {
        if (Number(status) >= 400) delete responses[status];
      }
      for (const [status, statusCodes] of [...byStatus.entries()].sort(([a], [b]) => a - b)) {
        responses[String(status)] = errorResponse(status, statusCodes);
      }
      if (route.httpCode === 204 && !responses['204']) {
        responses['204'] = { description: 'Done; no body.' };
      }

      const idempotent = ((op.parameters ?? []) as Json[]).some(
        (parameter) => parameter.in === 'header' && parameter.name === 'Idempotency-Key',
      );
      for (const [status, response] of Object.entries(responses)) {
        // Shared definitions in components.headers keep the document small.
        const names: Array<(typeof CONTRACT_HEADERS)[number]> = ['x-request-id'];
        if (route.rateLimited) {
          names.push('x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset');
        }
        if (status === '429') names.push('retry-after');
        if (idempotent) names.push('idempotent-replayed');
        const headers: Json = Object.fromEntries(
          names.map((name) => [
            HEADER_NAMES[name],
            { $ref: `#/components/headers/${HEADER_NAMES[name]}` },
          ]),
        );
        (response as Json).headers = { ...((response as Json).headers ?? {}), ...headers };
      }
      op.responses = responses;
      // Public routes take an optional bearer token (a bad one is still a 401).
      op.security = route.authenticated
        ? [{ [BEARER]: [] }, { [API_KEY_SECURITY]: [] }]
        : [{}, { [BEARER]: [] }, { [API_KEY_SECURITY]: [] }];
    }
  }
  document.components = {
    ...document.components,
    headers: Object.fromEntries(
      CONTRACT_HEADERS.map((name) => [
        HEADER_NAMES[name],
        {
          ...HEADER_DOCS[name],
          // Always on every answer; Retry-After is used only on 429s, where it is always sent.
          ...(name === 'x-request-id' || name === 'retry-after' ? { required: true } : {}),
        },
      ]),
    ),
    examples: Object.fromEntries(
      (Object.keys(ERROR_STATUS) as ErrorCode[]).map((code) => [
        code,
        {
          summary: code,
          value: {
            success: false,
            error: { code, message: ERROR_EXAMPLE_MESSAGES[code] },
            meta: META_EXAMPLE,
          },
        },
      ]),
    ),
  };
  const listed = new Set([...TAGS, ...CLOSING_TAGS].map((tag) => tag.name));
  document.tags = [
    ...TAGS,
    ...[...used]
      .filter((name) => !listed.has(name))
      .sort()
      .map((name) => ({ name })),
    ...CLOSING_TAGS,
  ].filter((tag) => used.has(tag.name));
  return document;
}

/** A parameter object `{a} | {b}`: exactly one of two query parameters. */
export function exactlyOneOfParameters(document: OpenAPIObject): OpenAPIObject {
  for (const pathItem of Object.values(document.paths)) {
    for (const operation of Object.values(pathItem as Json)) {
      const op = operation as Json;
      const names = op['x-exactly-one-of'] as [string, string] | undefined;
      if (!names) continue;
      delete op['x-exactly-one-of'];
      const parameters = op.parameters as Json[];
      const branches = names.map((name) =>
        parameters.find((p) => p.in === 'query' && p.name === name)!,
      );
      op.parameters = [
        ...parameters.filter((p) => !(p.in === 'query' && names.includes(p.name as string))),
        {
          name: names.join('|'),
          in: 'query',
          required: true,
          style: 'form',
          explode: true,
          description: `Exactly one of \`${names[0]}\` and \`${names[1]}\`.`,
          schema: {
            type: 'object',
            oneOf: branches.map((branch) => ({
              type: 'object',
              title: branch.name,
              description: branch.description,
              properties: { [branch.name]: { ...branch.schema, description: branch.description } },
              required: [branch.name],
              additionalProperties: false,
            })),
          },
          example: { [branches[0].name]: branches[0].schema.example ?? branches[0].example },
        },
      ];
    }
  }
  return document;
}

export function buildOpenApiDocument(app: NestFastifyApplication, now = new Date()): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Market API')
    .setDescription(
      'Yes/no prediction markets priced by an LMSR market maker. Every response is an envelope ' +
        '`{success, data | error, meta}` and carries `X-Request-Id`; credits and shares are ' +
        'decimal strings. Sign in with **Auth**, press **Authorize** and paste the `accessToken` ' +
        '(or an API key from POST /api/me/api-keys). The messages of the event streams (SSE, ' +
        'WebSocket), the queues (BullMQ jobs for other services) and webhooks are described by ' +
        'the AsyncAPI document at `/docs/asyncapi.json`.',
    )
    .setVersion('1.0')
    .addServer('/', 'This server')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT or API key',
        description: 'An access token, or an API key (`mkey_…`) from POST /api/me/api-keys.',
      },
      BEARER,
    )
    .addApiKey(
      { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'An API key (`mkey_…`).' },
      API_KEY_SECURITY,
    )
    .build();
  // Tags come from @ApiTags only: an untagged route (a test probe) stays outside the contract.
  const document = SwaggerModule.createDocument(app, config, { autoTagControllers: false });
  const facts = routeFacts(app);
  for (const route of fastifyRouteDocs()) {
    document.paths[route.path] = { ...document.paths[route.path], [route.method]: route.operation };
    // Not behind Nest's guards: no rate-limit class, its own authentication.
    facts.set(route.operation.operationId, {
      rateLimited: false,
      authenticated: false,
      hasBody: false,
      httpCode: undefined,
      errorCodes: route.errorCodes,
    });
  }
  exactlyOneOfParameters(document);
  completeDocument(document, facts);
  return resolveRelativeExamples(document, now);
}

/** What Swagger UI's page loads; every other file of swagger-ui-dist stays unserved. */
const SWAGGER_UI_FILES = new Set([
  '/docs',
  '/docs/',
  '/docs/index.html',
  '/docs/swagger-ui-init.js',
  '/docs/swagger-ui.css',
  '/docs/swagger-ui-bundle.js',
  '/docs/swagger-ui-standalone-preset.js',
  '/docs/favicon-32x32.png',
  '/docs/favicon-16x16.png',
]);

/**
 * Serves the document at /docs-json and Swagger UI at /docs (only the files it needs);
 * `siblings` are other documents served under /docs/ by their own routes (AsyncAPI).
 */
export function setupOpenApi(app: NestFastifyApplication, siblings: string[] = []): void {
  const fastify = app.getHttpAdapter().getInstance();
  const served = new Set([...SWAGGER_UI_FILES, ...siblings]);
  // Callback-style and tested before anything is allocated: it runs on every request.
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!request.url.startsWith('/docs/')) return done();
    const path = request.url.split('?')[0];
    if (served.has(path)) return done();
    const { status, body } = errorEnvelope(new NotFoundError('File', path), request.id, docsLogger);
    void reply.status(status).send(body);
  });
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
    raw: ['json'],
    customSiteTitle: 'Market API',
    swaggerOptions: {
      persistAuthorization: true,
      tryItOutEnabled: false,
      displayRequestDuration: true,
      tagsSorter: undefined,
    },
  });
}
