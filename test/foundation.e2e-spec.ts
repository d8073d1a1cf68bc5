import { expectError } from './support/errors';
import type { ApiBody } from './support/api';
import { createTestApp, TestApp } from './support/test-app';
import { ProbeModule } from './support/probe.module';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function expectErrorEnvelope(body: ApiBody<unknown>, code: string, requestId?: string) {
  expect(body.success).toBe(false);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(body.meta.requestId).toEqual(requestId ?? expect.any(String));
  expect(new Date(body.meta.timestamp).toISOString()).toBe(body.meta.timestamp);
}

describe('foundation: the cross-cutting pipeline', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ modules: [ProbeModule] });
  });
  afterAll(() => t.close());

  describe('X-Request-Id', () => {
    it.each([
      ['too long', 'a'.repeat(129)],
      ['bad characters', 'abc def/<script>'],
      ['empty', ''],
    ])('replaces an incoming id that is %s with a UUID', async (_label, incoming) => {
      const res = await t.request({
        method: 'GET',
        url: '/api/health',
        headers: { 'x-request-id': incoming },
      });
      expect(res.headers['x-request-id']).toMatch(UUID);
      expect(res.json().meta.requestId).toBe(res.headers['x-request-id']);
    });

    it('reuses a well-formed id in the header and the envelope', async () => {
      const id = 'client-1.retry_2';
      const res = await t.request({
        method: 'GET',
        url: '/api/health',
        headers: { 'x-request-id': id },
      });
      expect(res.headers['x-request-id']).toBe(id);
      expect(res.json().meta.requestId).toBe(id);
    });

    it('puts the id on error responses too', async () => {
      const res = await t.request({
        method: 'GET',
        url: '/api/nowhere',
        headers: { 'x-request-id': 'trace-404' },
      });
      expect(res.headers['x-request-id']).toBe('trace-404');
      expectErrorEnvelope(res.json(), 'NOT_FOUND', 'trace-404');
    });
  });

  describe('error envelope', () => {
    it('answers an unknown route with 404 NOT_FOUND', async () => {
      const res = await t.request({ method: 'DELETE', url: '/api/no/such/route' });
      expect(res.statusCode).toBe(404);
      expectErrorEnvelope(res.json(), 'NOT_FOUND');
    });

    it('answers malformed JSON with 400 VALIDATION_FAILED', async () => {
      const res = await t.request({
        method: 'POST',
        url: '/api/probe/echo',
        headers: { 'content-type': 'application/json' },
        payload: '{"name": "x",',
      });
      expect(res.statusCode).toBe(400);
      expectErrorEnvelope(res.json(), 'VALIDATION_FAILED');
    });

    it('answers a body over 100 kB with 413 PAYLOAD_TOO_LARGE', async () => {
      const res = await t.request({
        method: 'POST',
        url: '/api/probe/echo',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ name: 'x'.repeat(101 * 1024) }),
      });
      expect(res.statusCode).toBe(413);
      expectErrorEnvelope(res.json(), 'PAYLOAD_TOO_LARGE');
    });

    it('rejects unknown body fields and reports every bad field', async () => {
      const res = await t.request({
        method: 'POST',
        url: '/api/probe/echo',
        payload: { name: '', count: 9, role: 'admin', payment: { amount: '1.234' } },
      });
      expectError(res, 'VALIDATION_FAILED');
      const body = res.json();
      expectErrorEnvelope(body, 'VALIDATION_FAILED');
      expect(Object.keys(body.error.details).sort()).toEqual([
        'count',
        'name',
        'payment.amount',
        'role',
      ]);
      expect(body.error.details.role[0]).toMatch(/should not exist/);
    });

    it.each([
      ['three decimals', 1.234],
      ['a word', 'ten'],
      ['negative', '-1'],
      ['zero', 0],
      ['exponent', 1e21],
      ['too large', '1000000.01'],
    ])('rejects an amount that is %s', async (_label, amount) => {
      const res = await t.request({
        method: 'POST',
        url: '/api/probe/echo',
        payload: { name: 'a', payment: { amount } },
      });
      expectError(res, 'VALIDATION_FAILED');
      expect(res.json().error.details['payment.amount']).toBeDefined();
    });

    it('rejects 1e400, which JSON parses to a number that is not finite', async () => {
      const res = await t.request({
        method: 'POST',
        url: '/api/probe/echo',
        headers: { 'content-type': 'application/json' },
        payload: '{"name":"a","payment":{"amount":1e400}}',
      });
      expectError(res, 'VALIDATION_FAILED');
    });

    it('accepts an amount as a string or a JSON number and normalises it to a string', async () => {
      const res = await t.request({
        method: 'POST',
        url: '/api/probe/echo',
        payload: { name: 'a', payment: { amount: 12.5 } },
      });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({
        success: true,
        data: { name: 'a', payment: { amount: '12.5' } },
      });
    });

    it('answers a malformed id in a path with 400 before any query runs', async () => {
      const res = await t.request({ method: 'GET', url: "/api/probe/items/1' OR 1=1" });
      expect(res.statusCode).toBe(400);
      expectErrorEnvelope(res.json(), 'VALIDATION_FAILED');
    });

    it('turns an unexpected error into a 500 that leaks nothing', async () => {
      const res = await t.request({ method: 'GET', url: '/api/probe/boom' });
      expectError(res, 'INTERNAL_ERROR');
      const body = res.json();
      expectErrorEnvelope(body, 'INTERNAL_ERROR');
      expect(body.error.message).toBe('An unexpected error occurred.');
      expect(res.body).not.toMatch(/hunter2|SELECT|users|stack|at /);
      expect(body.error.details).toBeUndefined();
    });

    it('turns a unique violation from PostgreSQL into 409 CONFLICT without SQL in the body', async () => {
      const res = await t.request({ method: 'GET', url: '/api/probe/duplicate' });
      expect(res.statusCode).toBe(409);
      expectErrorEnvelope(res.json(), 'CONFLICT');
      expect(res.body).not.toMatch(/probe_unique|INSERT|duplicate key/);
    });
  });

  describe('pagination query', () => {
    it('refuses offset and cursor together', async () => {
      const res = await t.request({ method: 'GET', url: '/api/probe/page?offset=0&cursor=abc' });
      expectError(res, 'VALIDATION_FAILED');
      expect(res.json().error.details.offset).toBeDefined();
    });

    it.each(['limit=0', 'limit=101', 'limit=ten', 'offset=-1', 'extra=1'])(
      'refuses %s',
      async (query) => {
        const res = await t.request({ method: 'GET', url: `/api/probe/page?${query}` });
        expect(res.statusCode).toBe(400);
        expectErrorEnvelope(res.json(), 'VALIDATION_FAILED');
      },
    );

    it('puts pagination in meta and defaults the limit to 20', async () => {
      const res = await t.request({ method: 'GET', url: '/api/probe/page' });
      expect(res.statusCode).toBe(200);
      expect(res.json().meta.pagination).toEqual({
        limit: 20,
        offset: 0,
        total: 1,
        hasMore: false,
      });
    });
  });

  describe('success envelope', () => {
    it('wraps a result in data with the request id and time in meta', async () => {
      const res = await t.request({
        method: 'GET',
        url: '/api/probe/items/7d1c1b8e-1f7c-4d7e-9e0a-3b8a7b0d2f11',
        headers: { 'x-request-id': 'envelope-1' },
      });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(Object.keys(body)).toEqual(['success', 'data', 'meta']);
      expect(body.success).toBe(true);
      expect(body.data).toEqual({ id: '7d1c1b8e-1f7c-4d7e-9e0a-3b8a7b0d2f11' });
      expect(Object.keys(body.meta)).toEqual(['requestId', 'timestamp']);
      expect(body.meta.requestId).toBe('envelope-1');
      expect(new Date(body.meta.timestamp).toISOString()).toBe(body.meta.timestamp);
    });

    it('sends a page as its items in data, pagination after requestId and timestamp', async () => {
      const res = await t.request({ method: 'GET', url: '/api/probe/page' });
      expect(res.json().data).toEqual([{ n: 1 }]);
      expect(Object.keys(res.json().meta)).toEqual(['requestId', 'timestamp', 'pagination']);
    });

    it('sends undefined as data: null', async () => {
      const res = await t.request({ method: 'GET', url: '/api/probe/nothing' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ success: true, data: null });
    });

    it('sends no body with 204', async () => {
      const res = await t.request({ method: 'POST', url: '/api/probe/no-content' });
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
    });

    it('leaves the result of a @RawResponse() route as it is', async () => {
      const res = await t.request({ method: 'GET', url: '/api/probe/raw' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(res.body).toBe('probe 1\n');
    });
  });

  describe('operations', () => {
    it('serves liveness and readiness', async () => {
      expect((await t.request({ method: 'GET', url: '/api/health' })).json().data).toEqual({
        status: 'ok',
      });
      const ready = await t.request({ method: 'GET', url: '/api/health/ready' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json().data.info).toMatchObject({
        database: { status: 'up' },
        redis: { status: 'up' },
      });
    });

    it('serves Swagger UI and an OpenAPI 3 document with the bearer scheme and error envelope', async () => {
      const ui = await t.request({ method: 'GET', url: '/docs' });
      expect(ui.statusCode).toBe(200);
      expect(ui.headers['content-type']).toMatch(/text\/html/);
      const doc = (await t.request({ method: 'GET', url: '/docs-json' })).json();
      expect(doc.openapi).toMatch(/^3\./);
      expect(doc.components.securitySchemes.bearer).toMatchObject({
        type: 'http',
        scheme: 'bearer',
      });
      expect(doc.components.schemas.ErrorEnvelopeDto).toBeDefined();
      expect(doc.paths['/api/health/ready'].get.responses['503']).toBeDefined();
    });

    it('exports request counts and latency by route template and status in Prometheus format', async () => {
      await t.request({
        method: 'GET',
        url: '/api/probe/items/7d1c1b8e-1f7c-4d7e-9e0a-3b8a7b0d2f11',
      });
      const res = await t.request({ method: 'GET', url: '/metrics' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/plain/);
      expect(res.body).toContain(
        'http_requests_total{method="GET",route="/api/probe/items/:id",status="200"}',
      );
      expect(res.body).toMatch(
        /http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/api\/probe\/items\/:id",status="200"\}/,
      );
      expect(res.body).not.toContain('7d1c1b8e-1f7c');
    });
  });
});
