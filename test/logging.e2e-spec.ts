import { Controller, Headers, Logger, Module, Post, Body } from '@nestjs/common';
import { Writable } from 'node:stream';
import { createTestApp, TestApp } from './support/test-app';
import { expectError } from './support/errors';

/** Logs, through Nest's Logger, what a careless handler might: headers and a password. */
@Controller('log-probe')
class LogProbeController {
  private readonly logger = new Logger(LogProbeController.name);

  @Post()
  probe(@Headers() headers: Record<string, string>, @Body() body: Record<string, unknown>) {
    this.logger.log({ req: { headers }, body }, 'log probe');
    return { ok: true };
  }
}

@Module({ controllers: [LogProbeController] })
class LogProbeModule {}

describe('logging: JSON lines with the request id, secrets redacted', () => {
  let t: TestApp;
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });

  beforeAll(async () => {
    t = await createTestApp({
      modules: [LogProbeModule],
      env: { LOG_LEVEL: 'info' },
      logDestination: destination,
    });
  });
  afterAll(() => t.close());

  it('binds the request id to Fastify’s request lines and to Nest Logger calls', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/api/log-probe',
      headers: {
        'x-request-id': 'log-test-42',
        cookie: 'session=secret-cookie-xyz',
      },
      payload: { password: 'secret-password-123', note: 'visible' },
    });
    expect(res.statusCode).toBe(201);
    expect(res.headers['x-request-id']).toBe('log-test-42');

    const records = lines.map((line) => JSON.parse(line) as Record<string, any>);
    const ofRequest = records.filter((r) => r.requestId === 'log-test-42');
    const messages = ofRequest.map((r) => r.msg);
    expect(messages).toEqual(
      expect.arrayContaining(['incoming request', 'log probe', 'request completed']),
    );
    const probe = ofRequest.find((r) => r.msg === 'log probe')!;
    expect(probe.context).toBe('LogProbeController');
    // `req` goes through Fastify's request serializer: method, url, host… never headers.
    expect(probe.req?.headers).toBeUndefined();
    expect(probe.body.password).toBe('[redacted]');
    expect(probe.body.note).toBe('visible');

    // A rejected bearer token: its request is logged with its id, the token nowhere.
    const denied = await t.request({
      method: 'POST',
      url: '/api/log-probe',
      headers: { 'x-request-id': 'log-test-43', authorization: 'Bearer secret-token-abc' },
      payload: {},
    });
    expectError(denied, 'UNAUTHORIZED');
    // A rejected API key: the same.
    const deniedKey = await t.request({
      method: 'POST',
      url: '/api/log-probe',
      headers: { 'x-request-id': 'log-test-44', 'x-api-key': 'secret-key-abc' },
      payload: {},
    });
    expectError(deniedKey, 'UNAUTHORIZED');
    for (const requestId of ['log-test-43', 'log-test-44']) {
      expect(
        lines
          .map((line) => JSON.parse(line) as Record<string, any>)
          .some((r) => r.requestId === requestId && r.msg === 'request completed'),
      ).toBe(true);
    }
    const all = lines.join('\n');
    for (const secret of [
      'secret-token-abc',
      'secret-key-abc',
      'secret-cookie-xyz',
      'secret-password-123',
    ]) {
      expect(all).not.toContain(secret);
    }
  });
});
