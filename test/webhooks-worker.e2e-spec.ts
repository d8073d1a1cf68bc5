import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { registerUser } from './factories/users';
import { sql } from './support/sql';
import { createTestApp, TestApp } from './support/test-app';
import { databaseUrl, TEST_REDIS_URL } from './support/test-env';
import { verifyStandardWebhook, WebhookReceiver } from './support/webhook-receiver';

/**
 * At least once across a crash: a worker process killed (SIGKILL) while its delivery waits
 * for the receiver's answer leaves the job stalled; the next worker runs it again, and the
 * receiver gets the same message (same webhook-id, body and signature) a second time.
 */
describe('a worker killed mid-delivery', () => {
  let t: TestApp;
  let build: string;
  let receiver: WebhookReceiver;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    // The worker runs as a real separate process from compiled output, inside the
    // repository so that it resolves node_modules.
    mkdirSync('.test-build', { recursive: true });
    build = mkdtempSync(join('.test-build', 'webhooks-worker-'));
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json', '--outDir', build], {
      stdio: 'inherit',
    });
    t = await createTestApp({ env: { APP_ROLE: 'api', WEBHOOKS_ALLOW_PRIVATE: 'true' } });
    receiver = await new WebhookReceiver().start();
  }, 180_000);
  afterAll(async () => {
    for (const worker of workers) worker.kill('SIGKILL');
    await receiver?.stop();
    await t?.close();
    if (build) rmSync(build, { recursive: true, force: true });
  });

  const startWorker = () => {
    const worker = spawn(process.execPath, [join(build, 'src/worker.js')], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        APP_ROLE: 'worker',
        DATABASE_URL: databaseUrl(t.database),
        REDIS_URL: TEST_REDIS_URL,
        REDIS_PREFIX: t.redisPrefix,
        LOG_LEVEL: 'silent',
        WEBHOOKS_ALLOW_PRIVATE: 'true',
      },
      stdio: 'ignore',
    });
    workers.push(worker);
    return worker;
  };

  it('delivers again after the restart', async () => {
    const user = await registerUser(t);
    const created = await t.request({
      method: 'POST',
      url: '/api/me/webhooks',
      headers: user.auth,
      payload: { url: receiver.url(), events: ['trade.executed'] },
    });
    expect(created.statusCode).toBe(201);
    const hook = created.json().data;
    receiver.answers.push('hang');

    const first = startWorker();
    const test = await t.request({
      method: 'POST',
      url: `/api/me/webhooks/${hook.id}/test`,
      headers: user.auth,
    });
    expect(test.statusCode).toBe(202);
    await vi.waitFor(() => expect(receiver.received).toHaveLength(1), {
      timeout: 30_000,
      interval: 50,
    });
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    const [interrupted] = await sql(
      t,
      `SELECT status, attempts FROM webhook_deliveries WHERE id = $1`,
      [test.json().data.id],
    );
    expect(interrupted).toEqual({ status: 'pending', attempts: 0 });

    startWorker();
    // BullMQ finds the job stalled once its 15 s lock lapses, and runs it again.
    await vi.waitFor(
      async () => {
        const [row] = await sql(
          t,
          `SELECT status, attempts, last_status_code FROM webhook_deliveries WHERE id = $1`,
          [test.json().data.id],
        );
        expect(row).toEqual({ status: 'succeeded', attempts: 1, last_status_code: 200 });
      },
      { timeout: 60_000, interval: 200 },
    );
    expect(receiver.received).toHaveLength(2);
    const [before, after] = receiver.received;
    expect(after.headers['webhook-id']).toBe(before.headers['webhook-id']);
    expect(after.body).toBe(before.body);
    expect(verifyStandardWebhook(after, [hook.secret]).signedBy).toEqual([0]);
  }, 120_000);
});
