import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import Redis from 'ioredis';
import { createTestApp, TestApp, TestAppOptions } from './test-app';

/** A free TCP port on 127.0.0.1 (for a private server of a test). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

/**
 * A real redis-server of the test's own, on its own port, that the test may stop and
 * start — so a Redis outage is really caused without touching the shared server.
 */
export class PrivateRedis {
  private process?: ChildProcess;

  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** True while this test's redis-server process is alive. */
  get running(): boolean {
    const child = this.process;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /** Starts the server; a no-op while it runs (a second process could not bind the port). */
  async start(): Promise<void> {
    if (this.running) return;
    this.process = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    for (let attempt = 0; attempt < 100; attempt++) {
      const client = new Redis(this.url, { lazyConnect: true, retryStrategy: () => null });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.ping();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      } finally {
        client.disconnect();
      }
    }
    throw new Error(`redis-server did not start on ${this.port}`);
  }

  async stop(): Promise<void> {
    const child = this.process;
    if (!child || !this.running) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

export interface PrivateRedisApp {
  t: TestApp;
  redis: PrivateRedis;
  /** Restarts Redis if the test stopped it (queue workers close cleanly only then), closes the app, stops Redis. */
  close(): Promise<void>;
}

/**
 * The test app on a redis-server of its own, for tests that stop Redis. Every test that
 * causes a Redis outage uses this (or PrivateRedis directly when it times a shutdown
 * without Redis), never the shared server.
 */
export async function createTestAppOnPrivateRedis(
  options: TestAppOptions = {},
): Promise<PrivateRedisApp> {
  const redis = await PrivateRedis.start();
  try {
    const t = await createTestApp({ ...options, env: { ...options.env, REDIS_URL: redis.url } });
    return {
      t,
      redis,
      async close() {
        await redis.start();
        try {
          await t.close();
        } finally {
          await redis.stop();
        }
      },
    };
  } catch (error) {
    await redis.stop();
    throw error;
  }
}
