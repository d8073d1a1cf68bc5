import { expectError } from './support/errors';
import { Controller, Get, Module } from '@nestjs/common';
import { AddressInfo, connect } from 'node:net';
import { Writable } from 'node:stream';
import { DataSource } from 'typeorm';
import { createTestAppOnPrivateRedis, freePort, PrivateRedis } from './support/private-redis';
import { createTestApp, TestApp } from './support/test-app';

/**
 * Issue 14, "Answers and logs that leak nothing and always have the envelope": requests
 * Node's parser refuses, a client hanging up mid-body, readiness naming what is down,
 * SQL values kept out of error logs, and who may read /metrics.
 */

/** A real socket: Node's parser only runs on bytes that arrive over one. */
function rawExchange(port: number, bytes: string, hangUpAfterWrite = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
    socket.write(bytes, () => {
      if (hangUpAfterWrite) setTimeout(() => socket.destroy(), 100);
    });
  });
}

function parseRawResponse(raw: string) {
  const [head, ...rest] = raw.split('\r\n\r\n');
  const [statusLine, ...headerLines] = head.split('\r\n');
  const headers = Object.fromEntries(
    headerLines.map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
    }),
  );
  return { status: Number(statusLine.split(' ')[1]), headers, body: JSON.parse(rest.join('')) };
}

function expectEnvelope(body: unknown, code: string, requestId: string) {
  expect(body).toMatchObject({
    success: false,
    error: { code, message: expect.any(String) },
    meta: { requestId, timestamp: expect.any(String) },
  });
}

/** Log lines written to a test's own destination, parsed. */
function logSink() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { destination, lines, records: () => lines.map((l) => JSON.parse(l)) };
}

@Controller('sql-probe')
class SqlProbeController {
  constructor(private readonly db: DataSource) {}

  /** A statement PostgreSQL refuses, with an email bound as its parameter. */
  @Get('bad-cast')
  async badCast() {
    return this.db.query('SELECT $1::int AS n', ['leaky.person@example.com']);
  }

  /** A unique violation whose detail names the email: 409, and not in any log either. */
  @Get('duplicate')
  async duplicate() {
    await this.db.query(
      `CREATE TEMP TABLE IF NOT EXISTS probe_emails (email text PRIMARY KEY);
       TRUNCATE probe_emails`,
    );
    await this.db.query('INSERT INTO probe_emails VALUES ($1)', ['twice.person@example.com']);
    await this.db.query('INSERT INTO probe_emails VALUES ($1)', ['twice.person@example.com']);
  }
}
@Module({ controllers: [SqlProbeController] })
class SqlProbeModule {}

describe('requests the HTTP parser refuses, and clients that hang up', () => {
  let t: TestApp;
  let port: number;
  const logs = logSink();

  beforeAll(async () => {
    t = await createTestApp({
      env: { LOG_LEVEL: 'debug' },
      logDestination: logs.destination,
      modules: [SqlProbeModule],
    });
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpAdapter().getInstance().server.address() as AddressInfo).port;
  });
  afterAll(() => t.close());

  it('answers a URL over 16 kB with 431, the envelope and an X-Request-Id', async () => {
    const raw = await rawExchange(
      port,
      `GET /api/markets?q=${'a'.repeat(17 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    );
    const { status, headers, body } = parseRawResponse(raw);
    expect(status).toBe(431);
    expect(headers['content-type']).toBe('application/json; charset=utf-8');
    expect(headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expectEnvelope(body, 'PAYLOAD_TOO_LARGE', headers['x-request-id']);
  });

  it('answers headers over 16 kB with 431 and the envelope', async () => {
    const raw = await rawExchange(
      port,
      `GET /api/health HTTP/1.1\r\nHost: x\r\nX-Filler: ${'b'.repeat(17 * 1024)}\r\n\r\n`,
    );
    const { status, headers, body } = parseRawResponse(raw);
    expect(status).toBe(431);
    expectEnvelope(body, 'PAYLOAD_TOO_LARGE', headers['x-request-id']);
  });

  it.each([
    ['a malformed request line', 'NOT A REQUEST LINE\r\n\r\n'],
    ['a space in the URL', 'GET /api/he alth HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a bad header line', 'GET /api/health HTTP/1.1\r\nHost x\r\n\r\n'],
  ])('answers %s with 400 and the envelope', async (_label, request) => {
    const { status, headers, body } = parseRawResponse(await rawExchange(port, request));
    expect(status).toBe(400);
    expectEnvelope(body, 'VALIDATION_FAILED', headers['x-request-id']);
  });

  it('logs a client that hangs up mid-body as one debug line, no error and no stack', async () => {
    const before = logs.lines.length;
    await rawExchange(
      port,
      'POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
        'Content-Length: 1000\r\nX-Request-Id: hangup-probe\r\n\r\n{"email":"a',
      true,
    );
    await vi.waitFor(() =>
      expect(logs.records().some((r) => r.requestId === 'hangup-probe' && r.level >= 30)).toBe(
        true,
      ),
    );
    const mine = logs
      .records()
      .slice(before)
      .filter((r) => r.requestId === 'hangup-probe');
    expect(mine.filter((r) => r.level >= 40)).toEqual([]);
    expect(mine.filter((r) => r.err)).toEqual([]);
    expect(mine.filter((r) => r.level === 20).map((r) => r.msg)).toContain(
      'client closed the connection before the body arrived',
    );
  });

  it('keeps values bound to SQL out of error logs, in the 500 and the 409 alike', async () => {
    const failed = await t.request({ method: 'GET', url: '/api/sql-probe/bad-cast' });
    expectError(failed, 'INTERNAL_ERROR');
    const conflict = await t.request({ method: 'GET', url: '/api/sql-probe/duplicate' });
    expectError(conflict, 'CONFLICT');
    const errorLines = logs.records().filter((r) => r.err);
    expect(errorLines.length).toBeGreaterThan(0);
    const all = logs.lines.join('\n');
    expect(all).not.toContain('leaky.person@example.com');
    expect(all).not.toContain('twice.person@example.com');
    // What is left still says what went wrong, and where.
    const logged = errorLines.find((r) => r.err.code === '22P02')!.err;
    expect(logged.message).toBe('invalid input syntax for type integer: "[redacted]"');
    expect(logged.query).toBe('SELECT $1::int AS n');
    expect(logged).not.toHaveProperty('parameters');
    expect(logged.stack).toContain('QueryFailedError');
    expect(failed.body).not.toContain('leaky');
  });
});

describe('readiness names the dependency that is down, nothing more', () => {
  let redis: PrivateRedis;
  let t: TestApp;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ t, redis, close } = await createTestAppOnPrivateRedis());
  });
  afterAll(() => close());

  it('says "redis" is down, not its host, port or driver message', async () => {
    await redis.stop();
    const res = await t.request({ method: 'GET', url: '/api/health/ready' });
    expectError(res, 'SERVICE_UNAVAILABLE');
    const body = res.json();
    expect(body.error).toEqual({
      code: 'SERVICE_UNAVAILABLE',
      message: 'Not ready: redis unavailable.',
      details: { database: 'up', redis: 'down', search: 'up' },
    });
    const port = new URL(redis.url).port;
    for (const leak of [port, '127.0.0.1', 'ECONNREFUSED', 'Connection', 'timeout', 'ioredis']) {
      expect(res.body).not.toContain(leak);
    }
    await redis.start();
  });
});

describe('/metrics for operators who do not want it public', () => {
  const token = 'scrape-token-0123456789';

  it('is public on PORT by default', async () => {
    const t = await createTestApp();
    try {
      expect((await t.request({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('wants the bearer token when METRICS_TOKEN is set', async () => {
    const t = await createTestApp({ env: { METRICS_TOKEN: token } });
    try {
      for (const authorization of [undefined, 'Bearer wrong', `Basic ${token}`, token]) {
        const res = await t.request({
          method: 'GET',
          url: '/metrics',
          headers: authorization ? { authorization } : {},
        });
        expect(res.statusCode).toBe(401);
        expect(res.json().error.code).toBe('UNAUTHORIZED');
        expect(res.headers['x-request-id']).toBeTruthy();
      }
      const ok = await t.request({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(ok.statusCode).toBe(200);
      expect(ok.body).toContain('http_requests_total');
    } finally {
      await t.close();
    }
  });

  it('moves to a port of its own with METRICS_PORT (404 on PORT), token still applied', async () => {
    const metricsPort = await freePort();
    const t = await createTestApp({
      env: { METRICS_PORT: String(metricsPort), METRICS_TOKEN: token },
    });
    try {
      const onApiPort = await t.request({ method: 'GET', url: '/metrics' });
      expect(onApiPort.statusCode).toBe(404);
      expect(onApiPort.json().error.code).toBe('NOT_FOUND');
      const url = `http://127.0.0.1:${metricsPort}/metrics`;
      const refused = await fetch(url);
      expect(refused.status).toBe(401);
      expect(await refused.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
      const scraped = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toContain('http_requests_total');
      expect((await fetch(`http://127.0.0.1:${metricsPort}/other`)).status).toBe(404);
    } finally {
      await t.close();
    }
    // Closed with the app: the port is free again.
    await expect(fetch(`http://127.0.0.1:${metricsPort}/metrics`)).rejects.toThrow();
  });
});
