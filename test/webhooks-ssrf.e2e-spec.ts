import { registerUser, TestUser } from './factories/users';
import { expectError } from './support/errors';
import { count, sql } from './support/sql';
import { createTestApp, TestApp } from './support/test-app';
import { WebhookReceiver } from './support/webhook-receiver';
import { WEBHOOK_TIMING } from '../src/modules/webhooks/webhook-timing';

/**
 * SSRF: without WEBHOOKS_ALLOW_PRIVATE, no webhook reaches a non-public address, neither at
 * creation (400, nothing written) nor at delivery (a host that resolves elsewhere by then,
 * as after DNS rebinding: the attempt fails and nothing connects).
 */
describe('webhooks: private addresses refused', () => {
  let t: TestApp;
  let user: TestUser;
  let receiver: WebhookReceiver;
  const timing = { ...WEBHOOK_TIMING };

  beforeAll(async () => {
    t = await createTestApp();
    user = await registerUser(t);
    receiver = await new WebhookReceiver().start();
  });
  afterAll(async () => {
    Object.assign(WEBHOOK_TIMING, timing);
    await receiver.stop();
    await t.close();
  });

  const PRIVATE_URLS = [
    'http://127.0.0.1/hook',
    'http://127.1.2.3:8080/hook',
    'http://localhost/hook',
    'https://localhost:8443/hook',
    'http://0.0.0.0/',
    'http://10.0.0.5/',
    'http://172.16.3.4/',
    'http://172.31.255.1/',
    'http://192.168.0.10/',
    'http://169.254.169.254/latest/meta-data/',
    'http://169.254.1.1/',
    'http://100.64.0.1/',
    'http://100.127.1.1/',
    'http://[::1]/',
    'http://[::]/',
    'http://[fc00::1]/',
    'http://[fd00:ec2::254]/',
    'http://[fe80::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:169.254.169.254]/',
    'http://[::ffff:a00:1]/',
    'http://2130706433/', // 127.0.0.1 as one number: WHATWG URL parsing makes it 127.0.0.1
    'http://0x7f.1/',
    'http://no-such-host.invalid/',
  ];

  it.each(PRIVATE_URLS)('refuses %s at creation (400, nothing written)', async (url) => {
    const res = await t.request({
      method: 'POST',
      url: '/api/me/webhooks',
      headers: user.auth,
      payload: { url, events: ['trade.executed'] },
    });
    expectError(res, 'VALIDATION_FAILED');
    expect(res.json().error.details.url[0]).toMatch(/not a public address|does not resolve|IPv4/);
    expect(await count(t, 'webhooks')).toBe(0);
  });

  it('refuses a private URL in a PATCH, and the webhook keeps its URL', async () => {
    const [hook] = await sql(
      t,
      `INSERT INTO webhooks (user_id, url, events, secret) VALUES ($1, 'https://example.com/hook',
         '{trade.executed}', 'whsec_' || encode(sha256(gen_random_uuid()::text::bytea), 'base64')) RETURNING id`,
      [user.id],
    );
    const res = await t.request({
      method: 'PATCH',
      url: `/api/me/webhooks/${hook.id}`,
      headers: user.auth,
      payload: { url: 'http://169.254.169.254/' },
    });
    expectError(res, 'VALIDATION_FAILED');
    const [row] = await sql(t, `SELECT url FROM webhooks WHERE id = $1`, [hook.id]);
    expect(row.url).toBe('https://example.com/hook');
    await sql(t, `DELETE FROM webhooks WHERE id = $1`, [hook.id]);
  });

  // What a URL that passed the creation check could point to later (DNS rebinding): the
  // row is written directly, as if its host had resolved to a public address back then.
  it.each([
    ['an IPv4 loopback literal', () => receiver.url()],
    ['a name that now resolves to loopback', () => `http://localhost:${receiver.port}/hook`],
    ['an IPv4-mapped IPv6 loopback', () => `http://[::ffff:127.0.0.1]:${receiver.port}/hook`],
    ['the metadata address', () => 'http://169.254.169.254/latest/meta-data/'],
  ])('refuses %s at delivery time: nothing connects', async (_case, target) => {
    WEBHOOK_TIMING.firstRetryDelayMs = 60_000;
    const [hook] = await sql(
      t,
      `INSERT INTO webhooks (user_id, url, events, secret) VALUES ($1, $2, '{trade.executed}',
         'whsec_' || encode(sha256(gen_random_uuid()::text::bytea), 'base64')) RETURNING id`,
      [user.id, target()],
    );
    const test = await t.request({
      method: 'POST',
      url: `/api/me/webhooks/${hook.id}/test`,
      headers: user.auth,
    });
    expect(test.statusCode).toBe(202);
    await vi.waitFor(
      async () => {
        const [row] = await sql(
          t,
          `SELECT attempts, status, last_error FROM webhook_deliveries WHERE id = $1`,
          [test.json().data.id],
        );
        expect(row.attempts).toBe(1);
        expect(row.status).toBe('pending');
        expect(row.last_error).toMatch(/^address refused: .*not a public address/);
      },
      { timeout: 15_000, interval: 50 },
    );
    expect(receiver.received).toHaveLength(0);
  });
});
