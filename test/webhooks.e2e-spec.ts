import { buy, createMarket } from './factories/markets';
import { ADMIN_ENV, registerUser, TestUser } from './factories/users';
import { expectError } from './support/errors';
import { count, sql } from './support/sql';
import { createTestApp, TestApp } from './support/test-app';
import { verifyStandardWebhook, WebhookReceiver } from './support/webhook-receiver';
import { Queue } from 'bullmq';
import { WEBHOOK_TIMING } from '../src/modules/webhooks/webhook-timing';
import { deliverJobId, WEBHOOK_JOB_OPTIONS } from '../src/modules/webhooks/webhooks.jobs';
import { expectValidPayload, payloadValidators } from './support/asyncapi';

/**
 * Webhooks end to end: the real app (API, outbox relay, dispatcher and `webhooks` consumer in
 * one process) posting to a real HTTP receiver on loopback (WEBHOOKS_ALLOW_PRIVATE=true).
 * Signatures are checked with a verifier written from the Standard Webhooks spec
 * (test/support/webhook-receiver.ts), not with the server's code.
 */
describe('webhooks', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  const timing = { ...WEBHOOK_TIMING };

  beforeAll(async () => {
    t = await createTestApp({ env: { ...ADMIN_ENV, WEBHOOKS_ALLOW_PRIVATE: 'true' } });
  });
  beforeEach(async () => {
    receiver = await new WebhookReceiver().start();
  });
  afterEach(async () => {
    Object.assign(WEBHOOK_TIMING, timing);
    await receiver.stop();
  });
  afterAll(() => t.close());

  const create = (user: TestUser, payload: unknown, headers: Record<string, string> = {}) =>
    t.request({
      method: 'POST',
      url: '/api/me/webhooks',
      headers: { ...user.auth, ...headers },
      payload: payload as object,
    });

  async function webhookFor(user: TestUser, payload: Record<string, unknown> = {}) {
    const res = await create(user, {
      url: receiver.url(),
      events: ['trade.executed', 'balance.changed'],
      ...payload,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().data as { id: string; secret: string; [key: string]: unknown };
  }

  const deliveries = async (user: TestUser, webhookId: string, query = '') => {
    const res = await t.request({
      method: 'GET',
      url: `/api/me/webhooks/${webhookId}/deliveries${query}`,
      headers: user.auth,
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  const waitFor = (check: () => Promise<void> | void, timeout = 15_000) =>
    vi.waitFor(check, { timeout, interval: 50 });

  describe('refusals (nothing written)', () => {
    let user: TestUser;
    beforeAll(async () => {
      user = await registerUser(t);
    });

    it.each([
      ['no url', { events: ['trade.executed'] }],
      ['a relative url', { url: '/hook', events: ['trade.executed'] }],
      ['an ftp url', { url: 'ftp://example.com/x', events: ['trade.executed'] }],
      ['a javascript url', { url: 'javascript:alert(1)', events: ['trade.executed'] }],
      ['credentials in the url', { url: 'http://a:b@example.com/', events: ['trade.executed'] }],
      [
        'a url over 2048 chars',
        { url: `https://example.com/${'a'.repeat(2048)}`, events: ['trade.executed'] },
      ],
      ['no events', { url: 'https://example.com/' }],
      ['an empty events list', { url: 'https://example.com/', events: [] }],
      ['an unknown event', { url: 'https://example.com/', events: ['market.exploded'] }],
      ['webhook.test as an event', { url: 'https://example.com/', events: ['webhook.test'] }],
      ['events not a list', { url: 'https://example.com/', events: 'trade.executed' }],
      [
        'a marketId that is no UUID',
        { url: 'https://example.com/', events: ['market.resolved'], marketIds: ['x'] },
      ],
      [
        'a market that does not exist',
        {
          url: 'https://example.com/',
          events: ['market.resolved'],
          marketIds: ['3f0b8f0e-4c1e-4d3b-9a59-2f7b0c1d9e21'],
        },
      ],
      [
        'null marketIds',
        { url: 'https://example.com/', events: ['trade.executed'], marketIds: null },
      ],
      [
        'an unknown field',
        { url: 'https://example.com/', events: ['trade.executed'], secret: 'whsec_mine' },
      ],
    ])('POST with %s → 400', async (_case, payload) => {
      const res = await create(user, payload);
      expectError(res, 'VALIDATION_FAILED');
      expect(await count(t, 'webhooks', 'user_id = $1', [user.id])).toBe(0);
    });

    it('without credentials → 401; with a read-only API key → 403', async () => {
      const payload = { url: receiver.url(), events: ['trade.executed'] };
      const anonymous = await t.request({ method: 'POST', url: '/api/me/webhooks', payload });
      expectError(anonymous, 'UNAUTHORIZED');
      const key = await t.request({
        method: 'POST',
        url: '/api/me/api-keys',
        headers: user.auth,
        payload: { name: 'reader', scopes: ['read'] },
      });
      const readKey = { 'x-api-key': key.json().data.key as string };
      expectError(
        await t.request({ method: 'POST', url: '/api/me/webhooks', headers: readKey, payload }),
        'FORBIDDEN',
      );
      expectError(
        await t.request({ method: 'GET', url: '/api/me/webhooks', headers: readKey }),
        'FORBIDDEN',
      );
      expect(await count(t, 'webhooks', 'user_id = $1', [user.id])).toBe(0);
    });

    it('a malformed id → 400, an unknown or foreign one → 404 on every route', async () => {
      const owner = await registerUser(t);
      const hook = await webhookFor(owner);
      const stranger = await registerUser(t);
      const routes = (id: string) => [
        { method: 'GET' as const, url: `/api/me/webhooks/${id}` },
        { method: 'PATCH' as const, url: `/api/me/webhooks/${id}`, payload: { enabled: false } },
        { method: 'DELETE' as const, url: `/api/me/webhooks/${id}` },
        { method: 'POST' as const, url: `/api/me/webhooks/${id}/test` },
        { method: 'POST' as const, url: `/api/me/webhooks/${id}/rotate-secret` },
        { method: 'GET' as const, url: `/api/me/webhooks/${id}/deliveries` },
      ];
      for (const route of routes('not-a-uuid')) {
        expectError(await t.request({ ...route, headers: owner.auth }), 'VALIDATION_FAILED');
      }
      for (const route of routes(hook.id)) {
        expectError(await t.request({ ...route, headers: stranger.auth }), 'NOT_FOUND');
      }
      expect(await count(t, 'webhook_deliveries', 'webhook_id = $1', [hook.id])).toBe(0);
      const [row] = await sql(t, `SELECT enabled, secret FROM webhooks WHERE id = $1`, [hook.id]);
      expect(row).toEqual({ enabled: true, secret: hook.secret });
    });

    it('PATCH with nothing to change, a bad field or null → 400 and nothing changes', async () => {
      const hook = await webhookFor(user);
      for (const payload of [
        {},
        { enabled: 'yes' },
        { url: 'gopher://x' },
        { events: [] },
        { url: null },
      ]) {
        const res = await t.request({
          method: 'PATCH',
          url: `/api/me/webhooks/${hook.id}`,
          headers: user.auth,
          payload,
        });
        expectError(res, 'VALIDATION_FAILED');
      }
      const [row] = await sql(t, `SELECT url, events, enabled FROM webhooks WHERE id = $1`, [
        hook.id,
      ]);
      expect(row).toEqual({
        url: receiver.url(),
        events: ['trade.executed', 'balance.changed'],
        enabled: true,
      });
      await t.request({ method: 'DELETE', url: `/api/me/webhooks/${hook.id}`, headers: user.auth });
    });

    it('at most 10 per user → 409', async () => {
      const many = await registerUser(t);
      for (let i = 0; i < 10; i++) await webhookFor(many);
      const res = await create(many, { url: receiver.url(), events: ['trade.executed'] });
      expectError(res, 'CONFLICT');
      expect(await count(t, 'webhooks', 'user_id = $1', [many.id])).toBe(10);
    });
  });

  it('CRUD: the secret is shown once, read back without it, changed and deleted', async () => {
    const user = await registerUser(t);
    const market = await createMarket(t, user);
    const hook = await webhookFor(user, { marketIds: [market.id.toUpperCase()] });
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(hook).toMatchObject({ url: receiver.url(), enabled: true, marketIds: [market.id] });

    const read = await t.request({
      method: 'GET',
      url: `/api/me/webhooks/${hook.id}`,
      headers: user.auth,
    });
    expect(read.statusCode).toBe(200);
    expect(read.body).not.toContain(hook.secret);
    expect(read.json().data).not.toHaveProperty('secret');
    const list = await t.request({ method: 'GET', url: '/api/me/webhooks', headers: user.auth });
    expect(list.json().data.map((w: { id: string }) => w.id)).toEqual([hook.id]);
    expect(list.body).not.toContain(hook.secret);

    const patched = await t.request({
      method: 'PATCH',
      url: `/api/me/webhooks/${hook.id}`,
      headers: user.auth,
      payload: { events: ['market.resolved'], marketIds: [], enabled: false },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json().data).toMatchObject({
      events: ['market.resolved'],
      marketIds: [],
      enabled: false,
    });

    const removed = await t.request({
      method: 'DELETE',
      url: `/api/me/webhooks/${hook.id}`,
      headers: user.auth,
    });
    expect(removed.statusCode).toBe(204);
    expect(await count(t, 'webhooks', 'id = $1', [hook.id])).toBe(0);
  });

  it('a trade-scoped API key manages webhooks', async () => {
    const user = await registerUser(t);
    const key = await t.request({
      method: 'POST',
      url: '/api/me/api-keys',
      headers: user.auth,
      payload: { name: 'bot', scopes: ['trade'] },
    });
    const res = await t.request({
      method: 'POST',
      url: '/api/me/webhooks',
      headers: { authorization: `Bearer ${key.json().data.key}` },
      payload: { url: receiver.url(), events: ['trade.executed'] },
    });
    expect(res.statusCode, res.body).toBe(201);
  });

  it("delivers the owner's events signed, with the webhook's own gap-free seq in log order", async () => {
    const trader = await registerUser(t);
    const creator = await registerUser(t);
    const market = await createMarket(t, creator);
    const hook = await webhookFor(trader);
    for (let i = 0; i < 3; i++) {
      const res = await buy(t, trader, { marketId: market.id, outcome: 'YES', amount: '5.00' });
      expect(res.statusCode).toBe(201);
    }
    // 3 fills and 3 balance changes.
    await waitFor(() => expect(receiver.received).toHaveLength(6));
    const bySeq = [...receiver.received].sort((a, b) => a.json.seq! - b.json.seq!);
    expect(bySeq.map((r) => r.json.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    // Each fill comes before the balance change it caused.
    expect(bySeq.map((r) => r.json.type)).toEqual([
      'trade.executed',
      'balance.changed',
      'trade.executed',
      'balance.changed',
      'trade.executed',
      'balance.changed',
    ]);
    for (const delivery of receiver.received) {
      expect(delivery.path).toBe('/hook');
      expect(delivery.headers['content-type']).toBe('application/json');
      expect(delivery.headers['webhook-id']).toBe(delivery.json.id);
      expect(verifyStandardWebhook(delivery, [hook.secret])).toEqual({
        signedBy: [0],
        fresh: true,
      });
      expect(Object.keys(delivery.json).sort()).toEqual([
        'data',
        'id',
        'occurredAt',
        'seq',
        'type',
      ]);
      expect(delivery.json.data.marketId).toBe(market.id);
    }
    // A tampered body or another secret does not verify.
    const first = receiver.received[0];
    expect(
      verifyStandardWebhook({ ...first, body: first.body.replace('5.00', '6.00') }, [hook.secret])
        .signedBy,
    ).toEqual([]);
    expect(
      verifyStandardWebhook(first, ['whsec_' + Buffer.alloc(32, 1).toString('base64')]).signedBy,
    ).toEqual([]);

    // The outcome is recorded just after the receiver answered.
    await waitFor(async () => {
      const log = await deliveries(trader, hook.id);
      expect(log.data).toHaveLength(6);
      for (const row of log.data) {
        expect(row).toMatchObject({ status: 'succeeded', attempts: 1, lastStatusCode: 200 });
      }
    });
  });

  it('delivers public events of the listed markets only, without the trader', async () => {
    const watcher = await registerUser(t);
    const creator = await registerUser(t);
    const trader = await registerUser(t);
    const watched = await createMarket(t, creator);
    const other = await createMarket(t, creator);
    await webhookFor(watcher, {
      events: ['trade.executed', 'market.resolved'],
      marketIds: [watched.id],
    });
    for (const market of [watched, other]) {
      expect(
        (await buy(t, trader, { marketId: market.id, outcome: 'NO', amount: '3.00' })).statusCode,
      ).toBe(201);
    }
    const resolved = await t.request({
      method: 'POST',
      url: `/api/markets/${watched.id}/resolve`,
      headers: creator.auth,
      payload: { outcome: 'NO' },
    });
    expect(resolved.statusCode).toBe(202);
    await waitFor(() => expect(receiver.of('market.resolved')).toHaveLength(1));
    const trades = receiver.of('trade.executed');
    expect(trades).toHaveLength(1);
    expect(trades[0].json.data.marketId).toBe(watched.id);
    expect(trades[0].body).not.toContain(trader.id);
    expect(receiver.received.every((r) => r.json.data.marketId === watched.id)).toBe(true);
  });

  it('a new webhook gets only events after its creation', async () => {
    const trader = await registerUser(t);
    const market = await createMarket(t, trader);
    await buy(t, trader, { marketId: market.id, outcome: 'YES', amount: '2.00' });
    // The earlier buy is in the log before the webhook exists.
    await waitFor(async () =>
      expect(
        await count(t, 'user_event_log', `user_id = $1 AND type = 'trade.executed'`, [trader.id]),
      ).toBe(1),
    );
    await webhookFor(trader, { events: ['trade.executed'] });
    await buy(t, trader, { marketId: market.id, outcome: 'YES', amount: '4.00' });
    await waitFor(() => expect(receiver.received).toHaveLength(1));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0].json).toMatchObject({ seq: 1, data: { amount: '4.00' } });
  });

  it('retries after a 500 and after a timeout, sending the same message each time', async () => {
    WEBHOOK_TIMING.firstRetryDelayMs = 200;
    WEBHOOK_TIMING.timeoutMs = 700;
    const user = await registerUser(t);
    const hook = await webhookFor(user);
    receiver.answers.push({ status: 500, body: 'x'.repeat(5000) }, 'hang');
    const test = await t.request({
      method: 'POST',
      url: `/api/me/webhooks/${hook.id}/test`,
      headers: user.auth,
    });
    expect(test.statusCode, test.body).toBe(202);
    expect(test.json().data).toMatchObject({
      eventType: 'webhook.test',
      seq: null,
      status: 'pending',
      attempts: 0,
    });
    const deliveryId = test.json().data.id;

    // After the 500 the log shows the failure and the start of the answer.
    await waitFor(async () => {
      const [row] = (await deliveries(user, hook.id)).data;
      expect(row.attempts).toBeGreaterThanOrEqual(1);
    });
    await waitFor(() => expect(receiver.received).toHaveLength(3), 20_000);
    await waitFor(async () => {
      const [row] = (await deliveries(user, hook.id)).data;
      expect(row).toMatchObject({
        id: deliveryId,
        status: 'succeeded',
        attempts: 3,
        lastStatusCode: 200,
        nextAttemptAt: null,
      });
    });
    // Every attempt is the same message: same id, same body.
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(new Set(receiver.received.map((r) => r.body)).size).toBe(1);
    expect(receiver.received[0].json).toMatchObject({ type: 'webhook.test', seq: null });
  });

  it('records the 1 kB answer, the error and the next attempt of a failing delivery', async () => {
    WEBHOOK_TIMING.firstRetryDelayMs = 60_000;
    const user = await registerUser(t);
    const hook = await webhookFor(user);
    receiver.fallback = { status: 503, body: 'é'.repeat(3000) };
    await t.request({
      method: 'POST',
      url: `/api/me/webhooks/${hook.id}/test`,
      headers: user.auth,
    });
    await waitFor(async () => {
      const [row] = (await deliveries(user, hook.id)).data;
      expect(row.attempts).toBe(1);
    });
    const [row] = (await deliveries(user, hook.id)).data;
    expect(row).toMatchObject({ status: 'pending', lastStatusCode: 503, lastError: 'HTTP 503' });
    expect(Buffer.byteLength(row.lastResponseBody)).toBeLessThanOrEqual(1024);
    expect(row.lastResponseBody.length).toBeGreaterThan(400);
    const due = new Date(row.nextAttemptAt).getTime() - Date.now();
    expect(due).toBeGreaterThan(30_000); // 60 s minus at most 20 % jitter
    expect(due).toBeLessThanOrEqual(60_000);
  });

  it('does not follow redirects', async () => {
    WEBHOOK_TIMING.firstRetryDelayMs = 60_000;
    const user = await registerUser(t);
    const hook = await webhookFor(user);
    receiver.fallback = { status: 302, headers: { location: receiver.url('/elsewhere') } };
    await t.request({
      method: 'POST',
      url: `/api/me/webhooks/${hook.id}/test`,
      headers: user.auth,
    });
    await waitFor(async () => {
      const [row] = (await deliveries(user, hook.id)).data;
      expect(row).toMatchObject({ attempts: 1, lastStatusCode: 302, status: 'pending' });
      expect(row.lastError).toMatch(/redirect not followed/);
    });
    expect(receiver.received.map((r) => r.path)).toEqual(['/hook']);
  });

  it('replays a delivery: same id, body and seq, as a new delivery in the log', async () => {
    const trader = await registerUser(t);
    const market = await createMarket(t, trader);
    const hook = await webhookFor(trader, { events: ['trade.executed'] });
    await buy(t, trader, { marketId: market.id, outcome: 'YES', amount: '2.00' });
    await waitFor(() => expect(receiver.received).toHaveLength(1));
    const [original] = (await deliveries(trader, hook.id)).data;
    await waitFor(async () =>
      expect((await deliveries(trader, hook.id)).data[0].status).toBe('succeeded'),
    );

    const replay = await t.request({
      method: 'POST',
      url: `/api/me/webhooks/${hook.id}/deliveries/${original.id}/replay`,
      headers: trader.auth,
    });
    expect(replay.statusCode, replay.body).toBe(202);
    expect(replay.json().data).toMatchObject({
      replayOf: original.id,
      seq: original.seq,
      eventId: original.eventId,
    });
    await waitFor(() => expect(receiver.received).toHaveLength(2));
    expect(receiver.received[1].body).toBe(receiver.received[0].body);
    expect(receiver.received[1].headers['webhook-id']).toBe(
      receiver.received[0].headers['webhook-id'],
    );
    expect(verifyStandardWebhook(receiver.received[1], [hook.secret]).signedBy).toEqual([0]);

    const unknown = await t.request({
      method: 'POST',
      url: `/api/me/webhooks/${hook.id}/deliveries/3f0b8f0e-4c1e-4d3b-9a59-2f7b0c1d9e21/replay`,
      headers: trader.auth,
    });
    expectError(unknown, 'NOT_FOUND');
    const malformed = await t.request({
      method: 'POST',
      url: `/api/me/webhooks/${hook.id}/deliveries/nope/replay`,
      headers: trader.auth,
    });
    expectError(malformed, 'VALIDATION_FAILED');
    expect(await count(t, 'webhook_deliveries', 'webhook_id = $1', [hook.id])).toBe(2);
  });

  it('rotation: both secrets sign for 24 h, then only the new one', async () => {
    const user = await registerUser(t);
    const hook = await webhookFor(user);
    const rotated = await t.request({
      method: 'POST',
      url: `/api/me/webhooks/${hook.id}/rotate-secret`,
      headers: user.auth,
    });
    expect(rotated.statusCode, rotated.body).toBe(200);
    const { secret, previousSecretExpiresAt } = rotated.json().data;
    expect(secret).not.toBe(hook.secret);
    const overlap = new Date(previousSecretExpiresAt).getTime() - Date.now();
    expect(overlap).toBeGreaterThan(24 * 3600_000 - 60_000);
    expect(overlap).toBeLessThanOrEqual(24 * 3600_000);

    await t.request({
      method: 'POST',
      url: `/api/me/webhooks/${hook.id}/test`,
      headers: user.auth,
    });
    await waitFor(() => expect(receiver.received).toHaveLength(1));
    expect(String(receiver.received[0].headers['webhook-signature']).split(' ')).toHaveLength(2);
    // A receiver holding either secret accepts it.
    expect(verifyStandardWebhook(receiver.received[0], [hook.secret, secret]).signedBy).toEqual([
      0, 1,
    ]);

    // 24 h later (moved by hand) the old secret no longer signs.
    await sql(
      t,
      `UPDATE webhooks SET previous_secret_expires_at = now() - interval '1 second' WHERE id = $1`,
      [hook.id],
    );
    await t.request({
      method: 'POST',
      url: `/api/me/webhooks/${hook.id}/test`,
      headers: user.auth,
    });
    await waitFor(() => expect(receiver.received).toHaveLength(2));
    expect(verifyStandardWebhook(receiver.received[1], [hook.secret, secret]).signedBy).toEqual([
      1,
    ]);
    const read = await t.request({
      method: 'GET',
      url: `/api/me/webhooks/${hook.id}`,
      headers: user.auth,
    });
    expect(read.json().data.previousSecretExpiresAt).toBeNull();
  });

  it('disables a webhook failing for the whole window, with the reason; enabling resumes it', async () => {
    WEBHOOK_TIMING.firstRetryDelayMs = 100;
    WEBHOOK_TIMING.maxRetryDelayMs = 200;
    WEBHOOK_TIMING.disableAfterMs = 1_500;
    WEBHOOK_TIMING.retryForMs = 3_000;
    const trader = await registerUser(t);
    const market = await createMarket(t, trader);
    const hook = await webhookFor(trader, { events: ['trade.executed'] });
    receiver.fallback = { status: 500, body: 'down' };
    await buy(t, trader, { marketId: market.id, outcome: 'YES', amount: '2.00' });
    await waitFor(async () => {
      const read = await t.request({
        method: 'GET',
        url: `/api/me/webhooks/${hook.id}`,
        headers: trader.auth,
      });
      expect(read.json().data.enabled).toBe(false);
      expect(read.json().data.disabledReason).toMatch(
        /^Every delivery failed since .*; last error: HTTP 500$/,
      );
    });
    // Its pending delivery stops: the next attempt finds the webhook disabled.
    await waitFor(async () =>
      expect((await deliveries(trader, hook.id)).data[0].status).toBe('failed'),
    );
    const attemptsWhenStopped = receiver.received.length;
    expect(attemptsWhenStopped).toBeGreaterThan(2);

    // New events are not delivered while disabled.
    await buy(t, trader, { marketId: market.id, outcome: 'YES', amount: '2.00' });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(receiver.received).toHaveLength(attemptsWhenStopped);
    expect(await count(t, 'webhook_deliveries', 'webhook_id = $1', [hook.id])).toBe(1);

    receiver.fallback = { status: 204 };
    const resumed = await t.request({
      method: 'PATCH',
      url: `/api/me/webhooks/${hook.id}`,
      headers: trader.auth,
      payload: { enabled: true },
    });
    expect(resumed.json().data).toMatchObject({ enabled: true, disabledReason: null });
    await buy(t, trader, { marketId: market.id, outcome: 'YES', amount: '2.00' });
    await waitFor(async () =>
      expect((await deliveries(trader, hook.id)).data[0]).toMatchObject({
        status: 'succeeded',
        seq: 2,
      }),
    );
  });

  it('sends a delivery whose job was lost (the sweep), and prunes finished ones past retention', async () => {
    WEBHOOK_TIMING.sweepGraceMs = 0;
    WEBHOOK_TIMING.sweepEveryMs = 100;
    const user = await registerUser(t);
    const hook = await webhookFor(user);
    // A committed delivery with no job: as after a crash between the commit and the add.
    const eventId = '7d3f1c2e-9b8a-4c6d-8e5f-0a1b2c3d4e5f';
    const [lost] = await sql(
      t,
      `INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, seq, payload, next_attempt_at)
       VALUES ($1, $2, 'trade.executed', 1, $3::jsonb, now() - interval '1 second') RETURNING id`,
      [
        hook.id,
        eventId,
        JSON.stringify({
          id: eventId,
          type: 'trade.executed',
          seq: 1,
          occurredAt: new Date().toISOString(),
          data: {},
        }),
      ],
    );
    const [old] = await sql(
      t,
      `INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, seq, payload, status, created_at)
       VALUES ($1, gen_random_uuid(), 'trade.executed', 2, '{}', 'succeeded', now() - interval '31 days') RETURNING id`,
      [hook.id],
    );
    await waitFor(() => expect(receiver.received).toHaveLength(1));
    expect(receiver.received[0].headers['webhook-id']).toBe(eventId);
    expect(verifyStandardWebhook(receiver.received[0], [hook.secret]).signedBy).toEqual([0]);
    await waitFor(async () => {
      const [row] = await sql(t, `SELECT status FROM webhook_deliveries WHERE id = $1`, [lost.id]);
      expect(row.status).toBe('succeeded');
      expect(await count(t, 'webhook_deliveries', 'id = $1', [old.id])).toBe(0);
    });
  });

  it('sends what the AsyncAPI document describes: the queue job and the signed POST', async () => {
    const validators = await payloadValidators();
    const trader = await registerUser(t);
    const market = await createMarket(t, await registerUser(t));
    const hook = await webhookFor(trader, { events: ['trade.executed', 'balance.changed'] });
    await buy(t, trader, { marketId: market.id, outcome: 'NO', amount: '7.00' });
    const test = await t.request({
      method: 'POST',
      url: `/api/me/webhooks/${hook.id}/test`,
      headers: trader.auth,
    });
    await waitFor(() => expect(receiver.received).toHaveLength(3));
    for (const delivery of receiver.received) {
      expectValidPayload(validators, '/', 'webhook-event', delivery.json);
    }
    const queue = new Queue('webhooks', {
      connection: { url: t.config.redis.url },
      prefix: `${t.redisPrefix}:bull`,
    });
    try {
      const job = await queue.getJob(deliverJobId(test.json().data.id, 1));
      expect(job).toBeDefined();
      expectValidPayload(validators, 'webhooks', job!.name, job!.data);
      expect(job!.opts).toMatchObject(WEBHOOK_JOB_OPTIONS);
    } finally {
      await queue.close();
    }
  });

  it('pages the deliveries log by cursor, newest first, without repeats', async () => {
    const user = await registerUser(t);
    const hook = await webhookFor(user);
    for (let i = 0; i < 5; i++) {
      await t.request({
        method: 'POST',
        url: `/api/me/webhooks/${hook.id}/test`,
        headers: user.auth,
      });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await deliveries(user, hook.id, `?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.data.map((d: { id: string }) => d.id));
      cursor = page.meta.pagination.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
    const all = await sql(
      t,
      `SELECT id FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY created_at DESC, id DESC`,
      [hook.id],
    );
    expect(seen).toEqual(all.map((row) => row.id));
    expectError(
      await t.request({
        method: 'GET',
        url: `/api/me/webhooks/${hook.id}/deliveries?cursor=garbage`,
        headers: user.auth,
      }),
      'VALIDATION_FAILED',
    );
    expectError(
      await t.request({
        method: 'GET',
        url: `/api/me/webhooks/${hook.id}/deliveries?limit=101`,
        headers: user.auth,
      }),
      'VALIDATION_FAILED',
    );
  });
});
