import fc from 'fast-check';
import { createMarket, buy } from './factories/markets';
import { ADMIN_ENV, loginAdmin, registerUser, TestUser } from './factories/users';
import { moneyViolations } from './support/invariants';
import { accessClaims, signJwt } from './support/jwt';
import { count } from './support/sql';
import { listen } from './support/stream-clients';
import { createTestApp, TestApp } from './support/test-app';

/**
 * Hostile input, driven by the app's own OpenAPI document (GET /docs-json): for every
 * operation, fast-check builds requests from the declared parameters and body schemas —
 * valid values, boundaries (length and range ±1), wrong types, huge strings, unicode (RTL,
 * emoji, NUL, lone surrogates), SQL and NoSQL injection, prototype-pollution keys, path ids
 * that are not UUIDs — sent anonymously, with a user's token, an admin's token or a forged
 * one. Then fixed hostile cases per operation: 10 kB and 1 MB bodies, 150 kB over the
 * 100 kB limit, JSON nested 5,000 deep, `__proto__` and `constructor.prototype` keys, other
 * content types.
 *
 * Every response must be < 500, and every non-2xx the error envelope. Afterwards
 * Object.prototype is untouched, the tables are all still there and the money invariants hold.
 *
 * Short in `npm test`; `npm run test:fuzz` runs FUZZ_RUNS (default 300) requests per operation.
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 20);
const SEED = Number(process.env.FUZZ_SEED ?? 424_242);

// ---- the OpenAPI document ----------------------------------------------------------------

type Schema = {
  $ref?: string;
  type?: string;
  enum?: unknown[];
  format?: string;
  pattern?: string;
  example?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  maxItems?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  allOf?: Schema[];
};
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema?: Schema;
}
interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  body?: Schema;
  secured: boolean;
}
interface OpenApiDoc {
  paths: Record<string, Record<string, any>>;
  components: { schemas: Record<string, Schema> };
}

function operationsOf(doc: OpenApiDoc): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      parameters: (op.parameters ?? []) as Parameter[],
      body: op.requestBody?.content?.['application/json']?.schema as Schema | undefined,
      secured: Array.isArray(op.security) && op.security.length > 0,
    })),
  );
}

// ---- hostile values ----------------------------------------------------------------------

const HOSTILE_STRINGS = [
  '',
  ' ',
  "' OR 1=1 --",
  "'; DROP TABLE users; --",
  '" OR ""="',
  "1'; SELECT pg_sleep(10); --",
  '{"$gt": ""}',
  '$gt',
  '$where',
  '__proto__',
  'constructor.prototype',
  'constructor',
  'prototype',
  'hasOwnProperty',
  '\u202Egnp.exe',
  'مرحبا بالعالم',
  '😀👍🏽🇺🇦',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\ufeff',
  '../../etc/passwd',
  '%00',
  '%',
  '<script>alert(1)</script>',
  '${7*7}',
  '{{7*7}}',
  'NaN',
  'Infinity',
  '-0',
  '1e400',
  '0x10',
  '-1',
  '9'.repeat(400),
  '00000000-0000-0000-0000-000000000000',
  'x'.repeat(10_240),
];
const HOSTILE_VALUES: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  1e308,
  -1e308,
  2 ** 53 + 1,
  [],
  ['a', 'b'],
  {},
  { $gt: '' },
  { $ne: null },
  JSON.parse('{"__proto__": {"polluted": "yes"}}'),
  { constructor: { prototype: { polluted: 'yes' } } },
];

const hostileString = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
);
const hostile: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: hostileString },
  { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_VALUES) },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) },
);

interface Context {
  doc: OpenApiDoc;
  /** Ids that exist (so some requests reach deep) and one that does not. */
  ids: string[];
}

function resolve(ctx: Context, schema: Schema | undefined): Schema {
  if (!schema) return {};
  if (schema.$ref) return resolve(ctx, ctx.doc.components.schemas[schema.$ref.split('/').pop()!]);
  if (schema.allOf) {
    return schema.allOf.reduce<Schema>((merged, part) => {
      const r = resolve(ctx, part);
      return {
        ...merged,
        ...r,
        properties: { ...merged.properties, ...r.properties },
        required: [...(merged.required ?? []), ...(r.required ?? [])],
      };
    }, {});
  }
  return schema;
}

/** Values for a schema: mostly plausible (valid and boundary), sometimes hostile. */
function valueFor(ctx: Context, raw: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  const schema = resolve(ctx, raw);
  let plausible: fc.Arbitrary<unknown>;
  if (schema.enum) {
    plausible = fc.constantFrom(...schema.enum);
  } else if (schema.format === 'uuid') {
    plausible = fc.oneof(fc.constantFrom(...ctx.ids), fc.uuid());
  } else if (schema.format === 'date-time') {
    plausible = fc.oneof(
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      fc.constantFrom(
        '2027-01-01T00:00:00Z',
        '1970-01-01',
        '0000-01-01T00:00:00Z',
        '+275760-09-13T00:00:00.000Z',
        '2026-02-30',
        'yesterday',
      ),
    );
  } else if (schema.pattern) {
    plausible = fc.oneof(
      fc.stringMatching(new RegExp(schema.pattern)),
      fc.constantFrom('0', '0.00', '0.01', '1000000', '1000000.01', '1e3', ' 1', '1.1234567', '-5'),
      fc.double({ noNaN: false }),
    );
  } else if (schema.type === 'string') {
    const min = schema.minLength ?? 0;
    const max = schema.maxLength ?? 64;
    plausible = fc.oneof(
      schema.example !== undefined ? fc.constant(schema.example) : fc.string(),
      fc.string({ minLength: Math.max(0, min - 1), maxLength: Math.min(max + 1, 300) }),
      fc.constantFrom('a'.repeat(max), 'a'.repeat(max + 1), 'a'.repeat(Math.max(0, min - 1))),
    );
  } else if (schema.type === 'number' || schema.type === 'integer') {
    const min = schema.minimum ?? -10;
    const max = schema.maximum ?? 1_000;
    plausible = fc.oneof(
      fc.integer({ min: Math.floor(min) - 1, max: Math.ceil(max) + 1 }),
      fc.double({ min: min - 1, max: max + 1, noNaN: true }),
      fc.constantFrom(min, max, min - 1, max + 1, 0, -0, 2 ** 31, 1e21),
    );
  } else if (schema.type === 'boolean') {
    plausible = fc.boolean();
  } else if (schema.type === 'array') {
    plausible =
      depth > 3
        ? fc.constant([])
        : fc.array(valueFor(ctx, schema.items ?? { type: 'string' }, depth + 1), {
            maxLength: (schema.maxItems ?? 5) + 1,
          });
  } else if (schema.properties) {
    plausible = depth > 3 ? fc.constant({}) : objectFor(ctx, schema, depth + 1);
  } else {
    plausible = fc.anything({ maxDepth: 1 });
  }
  return fc.oneof({ weight: 4, arbitrary: plausible }, { weight: 1, arbitrary: hostile });
}

/** A body object: declared fields (required ones usually present), sometimes an extra key. */
function objectFor(ctx: Context, schema: Schema, depth: number): fc.Arbitrary<unknown> {
  const properties = Object.fromEntries(
    Object.entries(schema.properties ?? {}).map(([name, prop]) => [
      name,
      valueFor(ctx, prop, depth),
    ]),
  );
  const required = new Set(schema.required ?? []);
  const record = fc.record(properties, { requiredKeys: [] }).chain((value) =>
    fc
      .record({
        // Keep required fields most of the time, so validation passes and deeper code runs.
        keepRequired: fc.boolean(),
        extra: fc.option(
          fc.constantFrom(
            'role',
            'toString',
            'hasOwnProperty',
            'balance',
            'creatorId',
            'status',
            'outcome',
            'collateral',
            'qYes',
            'q_yes',
            'userId',
            'id',
            '$where',
            '__proto__',
            'constructor',
          ),
          { freq: 4 },
        ),
        extraValue: hostile,
        fill: fc.record(properties),
      })
      .map(({ keepRequired, extra, extraValue, fill }) => {
        const out: Record<string, unknown> = { ...value };
        if (keepRequired) {
          for (const key of required) {
            if (!(key in out)) out[key] = (fill as Record<string, unknown>)[key];
          }
        }
        if (extra) Object.defineProperty(out, extra, { value: extraValue, enumerable: true });
        return out;
      }),
  );
  return record;
}

/** A valid value for a field, from the document's examples (ids and dates made real). */
function exampleValue(ctx: Context, name: string, schema: Schema): unknown {
  if (schema.format === 'uuid') return ctx.ids[3];
  if (schema.format === 'date-time') {
    return name === 'from'
      ? new Date(Date.now() - 86_400_000).toISOString()
      : new Date(Date.now() + 30 * 86_400_000).toISOString();
  }
  if (schema.enum) return schema.enum[0];
  if (schema.example !== undefined) return schema.example;
  return schema.type === 'number' || schema.type === 'integer' ? (schema.minimum ?? 1) : 'abc';
}

/** A valid body built from the schema's examples. */
function exampleOf(ctx: Context, raw: Schema): Record<string, unknown> {
  const schema = resolve(ctx, raw);
  return Object.fromEntries(
    Object.entries(schema.properties ?? {}).map(([name, prop]) => {
      const field = resolve(ctx, prop);
      return [name, field.properties ? exampleOf(ctx, field) : exampleValue(ctx, name, field)];
    }),
  );
}

// ---- requests ----------------------------------------------------------------------------

type Auth = 'none' | 'user' | 'admin' | 'garbage' | 'alg-none' | 'expired';
interface FuzzRequest {
  auth: Auth;
  path: Record<string, unknown>;
  query: Array<[string, unknown]>;
  idempotencyKey?: unknown;
  body?: unknown;
  contentType: string | null;
}

/** Percent-encodes every UTF-8 byte outside the unreserved set (lone surrogates included). */
function pct(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? 'undefined');
  return [...Buffer.from(text, 'utf8')]
    .map((byte) =>
      /[A-Za-z0-9\-._~]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
}

function requestFor(ctx: Context, op: Operation): fc.Arbitrary<FuzzRequest> {
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const queryParams = op.parameters.filter((p) => p.in === 'query');
  const idParam = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...ctx.ids) },
    { weight: 1, arbitrary: fc.uuid() },
    { weight: 2, arbitrary: hostileString },
  );
  const query = fc
    .tuple(
      ...queryParams.map((p) =>
        fc.option(
          valueFor(ctx, p.schema).map((v) => [p.name, v] as [string, unknown]),
          { freq: 2 },
        ),
      ),
      // An undeclared parameter, or a declared one twice.
      fc.option(
        fc.tuple(
          fc.constantFrom(
            '__proto__',
            'constructor[prototype][polluted]',
            '__proto__[polluted]',
            '$where',
            'limit',
            'role',
            'q',
            ...queryParams.map((p) => p.name),
          ),
          hostile,
        ),
        { freq: 4 },
      ),
    )
    .map((entries) => entries.filter((e): e is [string, unknown] => e !== null));
  return fc.record({
    auth: fc.oneof(
      { weight: 2, arbitrary: fc.constant<Auth>('none') },
      { weight: 3, arbitrary: fc.constant<Auth>('user') },
      { weight: 3, arbitrary: fc.constant<Auth>('admin') },
      { weight: 1, arbitrary: fc.constantFrom<Auth>('garbage', 'alg-none', 'expired') },
    ),
    path: fc.record(Object.fromEntries(pathParams.map((p) => [p.name, idParam]))),
    query,
    idempotencyKey: op.parameters.some((p) => p.name === 'Idempotency-Key')
      ? fc.option(fc.oneof(fc.string({ maxLength: 300 }), hostileString), { nil: undefined })
      : fc.constant(undefined),
    body: op.body
      ? fc.oneof(
          { weight: 6, arbitrary: valueFor(ctx, op.body) },
          { weight: 1, arbitrary: hostile },
        )
      : fc.option(hostile, { nil: undefined, freq: 6 }),
    contentType: fc.constantFrom(
      'application/json',
      'application/json',
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
      'application/x-www-form-urlencoded',
      null,
    ),
  });
}

// ---- the run -----------------------------------------------------------------------------

interface Stats {
  requests: number;
  statuses: Record<number, number>;
  failures: string[];
}

function headerValue(value: unknown): string {
  // Node refuses to send control characters in a header; keep what a client could send.
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
  return text.replace(/[^\x20-\x7e\x80-\xff]/g, '?');
}

/** What the checks read of an answer, from light-my-request or from a real socket. */
interface Answer {
  statusCode: number;
  body: string;
  /** A 200 with `text/event-stream` (its body is never read). */
  eventStream?: boolean;
}

describe('fuzz: every operation of the OpenAPI document', () => {
  let t: TestApp;
  let ctx: Context;
  let user: TestUser;
  let admin: TestUser;
  const tokens = {} as Record<Auth, string | undefined>;
  const stats: Stats = { requests: 0, statuses: {}, failures: [] };
  const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();
  let operations: Operation[] = [];

  /** Paths whose 200 is an endless Server-Sent Events stream: sent over a real socket. */
  let streamPaths = new Set<string>();
  let base = '';

  const send = async (label: string, request: Parameters<TestApp['request']>[0] & object) => {
    const path = (request.url as string).split('?')[0];
    const res =
      request.method === 'GET' && streamPaths.has(path)
        ? await sendToStream(request)
        : await t.request(request);
    if (res === null) return { res: { statusCode: 0, body: '' }, problem: null };
    stats.requests++;
    stats.statuses[res.statusCode] = (stats.statuses[res.statusCode] ?? 0) + 1;
    const problem = checkResponse(res);
    if (problem) stats.failures.push(`${label}: ${problem}`);
    return { res, problem };
  };

  /**
   * A stream answers 200 and never ends: once its headers say `text/event-stream` the request
   * is aborted; any other answer is read whole. null: the HTTP client itself refused to send
   * the request (a header light-my-request would have passed through).
   */
  async function sendToStream(
    request: Parameters<TestApp['request']>[0] & object,
  ): Promise<Answer | null> {
    const abort = new AbortController();
    let res: Response;
    try {
      res = await fetch(`${base}${request.url as string}`, {
        headers: request.headers as Record<string, string>,
        signal: abort.signal,
      });
    } catch {
      return null;
    }
    if (res.status === 200 && res.headers.get('content-type')?.startsWith('text/event-stream')) {
      abort.abort();
      return { statusCode: 200, body: '', eventStream: true };
    }
    return { statusCode: res.status, body: await res.text() };
  }

  function checkResponse(res: Answer): string | null {
    if (res.eventStream) return null;
    if (res.statusCode >= 500) return `${res.statusCode} ${res.body.slice(0, 300)}`;
    if (res.statusCode === 204) return res.body === '' ? null : '204 with a body';
    let body: any;
    try {
      body = JSON.parse(res.body);
    } catch {
      return `${res.statusCode}: body is not JSON: ${res.body.slice(0, 120)}`;
    }
    if (res.statusCode >= 400) {
      const ok =
        body?.success === false &&
        typeof body.error?.code === 'string' &&
        typeof body.error?.message === 'string' &&
        typeof body.meta?.requestId === 'string' &&
        typeof body.meta?.timestamp === 'string';
      if (!ok) return `${res.statusCode} without the error envelope: ${res.body.slice(0, 200)}`;
      if (/\bat .+\.(js|ts):\d+|QueryFailedError|SELECT .* FROM/.test(res.body)) {
        return `${res.statusCode} leaks internals: ${res.body.slice(0, 200)}`;
      }
    } else if (body?.success !== true) {
      return `${res.statusCode} without the success envelope`;
    }
    return null;
  }

  function toInject(op: Operation, r: FuzzRequest): Parameters<TestApp['request']>[0] & object {
    let url = op.path.replace(/\{(\w+)\}/g, (_m, name: string) => pct(r.path[name]));
    if (r.query.length) {
      url += `?${r.query
        .flatMap(([name, value]) =>
          Array.isArray(value)
            ? value.map((v) => `${pct(name)}=${pct(v)}`)
            : [`${pct(name)}=${pct(value)}`],
        )
        .join('&')}`;
    }
    const headers: Record<string, string> = {};
    const token = tokens[r.auth];
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    if (r.idempotencyKey !== undefined) headers['idempotency-key'] = headerValue(r.idempotencyKey);
    const hasBody = r.body !== undefined && !['GET', 'HEAD'].includes(op.method);
    if (hasBody && r.contentType) headers['content-type'] = r.contentType;
    return {
      method: op.method,
      url,
      headers,
      ...(hasBody ? { payload: JSON.stringify(r.body) ?? 'undefined' } : {}),
    };
  }

  beforeAll(async () => {
    t = await createTestApp({ env: ADMIN_ENV });
    admin = await loginAdmin(t);
    user = await registerUser(t);
    const other = await registerUser(t);
    await t.request({
      method: 'POST',
      url: `/api/users/${user.id}/credits`,
      headers: admin.auth,
      payload: { amount: '100000.00', reason: 'fuzz' },
    });
    const markets = await Promise.all([
      createMarket(t, user),
      createMarket(t, user, { name: 'A second fuzz market' }),
      createMarket(t, other),
    ]);
    const mine = (
      await buy(t, user, { marketId: markets[0].id, outcome: 'YES', amount: '5.00' })
    ).json().data.position;
    const theirs = (
      await buy(t, other, { marketId: markets[2].id, outcome: 'NO', amount: '5.00' })
    ).json().data.position;
    tokens.user = user.accessToken;
    tokens.admin = admin.accessToken;
    tokens.garbage = 'not.a.jwt';
    tokens['alg-none'] = signJwt(accessClaims({ sub: admin.id }), 'irrelevant', 'none');
    tokens.expired = signJwt(
      accessClaims({ sub: user.id, role: 'user', exp: Math.floor(Date.now() / 1000) - 60 }),
      t.config.auth.jwtSecret,
    );
    const doc = (await t.request({ method: 'GET', url: '/docs-json' })).json<OpenApiDoc>();
    streamPaths = new Set(
      Object.entries(doc.paths)
        .filter(([, item]) => item.get?.responses?.['200']?.content?.['text/event-stream'])
        .map(([path]) => path),
    );
    base = await listen(t);
    ctx = {
      doc,
      ids: [
        user.id,
        other.id,
        admin.id,
        ...markets.map((m) => m.id),
        mine.id,
        theirs.id,
        '00000000-0000-4000-8000-000000000000',
      ],
    };
    operations = operationsOf(doc);
    expect(operations.length).toBeGreaterThan(20);
  });
  afterAll(async () => {
    console.log(
      `fuzz: ${JSON.stringify({
        seed: SEED,
        runsPerOperation: RUNS,
        operations: operations.length,
        requests: stats.requests,
        statuses: stats.statuses,
        fiveXX: Object.entries(stats.statuses)
          .filter(([status]) => Number(status) >= 500)
          .reduce((sum, [, n]) => sum + n, 0),
        failures: stats.failures.length,
      })}`,
    );
    await t.close();
  });

  it('generates requests for every documented operation: no 5xx, only envelopes', async () => {
    const before = stats.failures.length;
    for (const op of operations) {
      const details = await fc.check(
        fc.asyncProperty(requestFor(ctx, op), async (r) => {
          const { problem } = await send(`${op.method} ${op.path}`, toInject(op, r));
          return problem === null;
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: false },
      );
      if (details.failed) {
        stats.failures.push(
          `${op.method} ${op.path} minimal failing request: ${JSON.stringify(
            toInject(op, details.counterexample![0]),
          ).slice(0, 600)}`,
        );
      }
    }
    expect(stats.failures.slice(before)).toEqual([]);
  }, 300_000);

  it('refuses NUL, lone surrogates and other hostile strings in otherwise valid input', async () => {
    const before = stats.failures.length;
    const strings = [
      'a\u0000b',
      '\ud800',
      "'; DROP TABLE users; --",
      '\u202Eevil',
      '😀👍🏽',
      'x'.repeat(10_240),
    ];
    for (const op of operations) {
      const url = op.path.replace(/\{\w+\}/g, ctx.ids[3]);
      const body = op.body ? exampleOf(ctx, op.body) : undefined;
      // Each string field of a valid body, in turn.
      for (const [field, value] of Object.entries(body ?? {})) {
        if (typeof value !== 'string') continue;
        for (const hostileValue of strings) {
          await send(
            `${op.method} ${op.path} body.${field}=${JSON.stringify(hostileValue).slice(0, 20)}`,
            {
              method: op.method,
              url,
              headers: admin.auth,
              payload: { ...body, [field]: hostileValue },
            },
          );
        }
      }
      // A key the whitelist would take for a declared field: an unknown field, 400.
      if (body) {
        for (const key of ['constructor', 'toString', 'hasOwnProperty']) {
          const { res } = await send(`${op.method} ${op.path} body.${key}`, {
            method: op.method,
            url,
            headers: admin.auth,
            payload: JSON.parse(JSON.stringify({ ...body, [key]: 'x' })),
          });
          if (res.statusCode !== 400) {
            stats.failures.push(`${op.method} ${op.path} body.${key}: ${res.statusCode}, not 400`);
          }
        }
      }
      // Each string query parameter, in turn, and each one twice.
      const query = op.parameters.filter((p) => p.in === 'query');
      const required = query
        .filter((p) => p.required)
        .map((p) => `${p.name}=${pct(exampleValue(ctx, p.name, resolve(ctx, p.schema)))}`);
      for (const p of query) {
        const others = required.filter((q) => !q.startsWith(`${p.name}=`));
        const example = pct(exampleValue(ctx, p.name, resolve(ctx, p.schema)));
        for (const raw of [...strings.map(pct), `${example}&${p.name}=${example}`]) {
          await send(`${op.method} ${op.path} ?${p.name}=${raw.slice(0, 20)}`, {
            method: op.method,
            url: `${url}?${[...others, `${p.name}=${raw}`].join('&')}`,
            headers: admin.auth,
          });
        }
      }
    }
    expect(stats.failures.slice(before)).toEqual([]);
  }, 300_000);

  it('survives fixed hostile bodies and headers on every operation', async () => {
    const before = stats.failures.length;
    const deep = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const deepObject = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    const cases: Array<{
      label: string;
      body: string;
      contentType?: string;
      expect?: number;
      headers?: Record<string, string>;
    }> = [
      { label: '1 MB body', body: JSON.stringify({ name: 'x'.repeat(1024 * 1024) }), expect: 413 },
      { label: '150 kB body', body: JSON.stringify({ name: 'x'.repeat(150 * 1024) }), expect: 413 },
      {
        label: '10 kB strings',
        body: JSON.stringify({ name: 'x'.repeat(10_240), email: 'y'.repeat(10_240) }),
      },
      { label: 'array nested 5,000 deep', body: `{"tags":${deep(5000)}}` },
      { label: 'object nested 5,000 deep', body: `{"initialPosition":${deepObject(5000)}}` },
      { label: 'top-level nesting 5,000 deep', body: deepObject(5000) },
      { label: '__proto__ key', body: '{"__proto__":{"role":"admin","polluted":"yes"}}' },
      { label: 'nested __proto__', body: '{"initialPosition":{"__proto__":{"polluted":"yes"}}}' },
      { label: 'constructor.prototype', body: '{"constructor":{"prototype":{"polluted":"yes"}}}' },
      {
        label: 'NoSQL operators',
        body: '{"email":{"$gt":""},"password":{"$ne":null},"marketId":{"$gt":""}}',
      },
      {
        label: 'SQL injection',
        body: JSON.stringify({
          name: "x'; DROP TABLE users; --",
          email: "' OR 1=1 --",
          reason: "'; DROP TABLE ledger_entries; --",
        }),
      },
      {
        label: 'NUL and lone surrogates',
        body: '{"name":"a\\u0000bcd","displayName":"\\ud800x","reason":"\\udfff"}',
      },
      { label: 'not JSON', body: '{"name": ' },
      { label: 'JSON null', body: 'null' },
      { label: 'JSON string', body: '"hello"' },
      { label: 'text/plain', body: 'hello', contentType: 'text/plain' },
      { label: 'form', body: 'a=1&b=2', contentType: 'application/x-www-form-urlencoded' },
      {
        label: 'huge bearer token',
        body: '{}',
        headers: { authorization: `Bearer ${'a'.repeat(10_240)}` },
      },
      {
        label: 'huge idempotency key',
        body: '{}',
        headers: { 'idempotency-key': 'k'.repeat(10_240) },
      },
      {
        label: 'request id injection',
        body: '{}',
        headers: { 'x-request-id': 'a\r\nset-cookie: x=1'.replace(/[\r\n]/g, ' ') },
      },
    ];
    for (const op of operations) {
      const hasBody = !['GET', 'HEAD', 'DELETE'].includes(op.method);
      for (const c of cases) {
        // Bodies only where a body is read; headers everywhere.
        if (!hasBody && !c.headers) continue;
        const url = op.path.replace(/\{\w+\}/g, ctx.ids[3]);
        const { res } = await send(`${op.method} ${op.path} ${c.label}`, {
          method: op.method,
          url,
          headers: {
            ...admin.auth,
            'content-type': c.contentType ?? 'application/json',
            ...c.headers,
          },
          ...(hasBody ? { payload: c.body } : {}),
        });
        if (
          c.expect === 413 &&
          (res.statusCode !== 413 || JSON.parse(res.body).error.code !== 'PAYLOAD_TOO_LARGE')
        ) {
          stats.failures.push(`${op.method} ${op.path} ${c.label}: ${res.statusCode}, not 413`);
        }
        if (c.label.startsWith('keys named') && res.statusCode !== 400) {
          stats.failures.push(`${op.method} ${op.path} ${c.label}: ${res.statusCode}, not 400`);
        }
      }
    }
    expect(stats.failures.slice(before)).toEqual([]);
  }, 300_000);

  it('tries path ids that are not UUIDs on every operation that takes one: 400, never a query', async () => {
    const before = stats.failures.length;
    for (const op of operations.filter((o) => o.path.includes('{id}'))) {
      // Encoded, then raw: a malformed escape and an id over the router's 100-character
      // parameter limit are refused by Fastify's router itself, before Nest.
      const encoded = [
        "1' OR '1'='1",
        '../users',
        '%00',
        '😀',
        'ffffffff-ffff-ffff-ffff-fffffffffffff',
        '1',
      ];
      const raw = ['%E0%A4%A', '%', 'x'.repeat(150), pct('9'.repeat(400))];
      for (const id of [...encoded.map(pct), ...raw]) {
        const { res } = await send(`${op.method} ${op.path} id=${id.slice(0, 40)}`, {
          method: op.method,
          url: op.path.replace('{id}', id),
          headers: admin.auth,
          ...(['GET', 'DELETE'].includes(op.method) ? {} : { payload: {} }),
        });
        // 400 from the id check; an unknown route for "../" is a 404.
        if (![400, 404].includes(res.statusCode)) {
          stats.failures.push(`${op.method} ${op.path} id=${id}: ${res.statusCode}`);
        }
      }
    }
    expect(stats.failures.slice(before)).toEqual([]);
  });

  it('refuses forged cursors whose values PostgreSQL would refuse with 400', async () => {
    const before = stats.failures.length;
    const cursor = (sort: string, value: unknown) =>
      Buffer.from(JSON.stringify([sort, 'desc', value, ctx.ids[3]])).toString('base64url');
    // A market of its own: the generated requests may have deleted or resolved the others.
    const fresh = await createMarket(t, user, { name: 'Cursor market' });
    const urls = [
      `/api/markets?sort=createdAt&cursor=${cursor('createdAt', '1')}`,
      `/api/markets?sort=closesAt&cursor=${cursor('closesAt', '2026-13-45')}`,
      `/api/markets?sort=name&cursor=${cursor('name', 'a\u0000b')}`,
      `/api/me/ledger?cursor=${cursor('createdAt', '5')}`,
      `/api/me/trades?cursor=${cursor('createdAt', 'Sat, 01 Jan 2000')}`,
      `/api/positions?cursor=${cursor('createdAt', '2020')}`,
      `/api/users?cursor=${cursor('createdAt', '1e3')}`,
      `/api/markets/${fresh.id}/trades?cursor=${cursor('createdAt', '7')}`,
    ];
    for (const url of urls) {
      const { res } = await send(`GET ${url}`, { method: 'GET', url, headers: admin.auth });
      if (res.statusCode !== 400) stats.failures.push(`GET ${url}: ${res.statusCode}, not 400`);
    }
    expect(stats.failures.slice(before)).toEqual([]);
  });

  it('leaves Object.prototype unpolluted, every table in place and the money invariants intact', async () => {
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).role).toBeUndefined();
    for (const table of ['users', 'ledger_entries', 'markets', 'positions', 'trades']) {
      expect(await count(t, table)).toBeGreaterThan(0);
    }
    expect(await moneyViolations(t)).toEqual([]);
    expect(stats.requests).toBeGreaterThan(operations.length * RUNS);
  });
});
