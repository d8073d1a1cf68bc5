import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { freePort, PrivateRedis } from './support/private-redis';
import { createTestDatabase, deleteRedisKeys, dropTestDatabase } from './support/test-app';
import { databaseUrl, TEST_REDIS_URL, uniqueName } from './support/test-env';

/**
 * Issue 14, "The process": real API, worker and CLI processes from compiled output, as an
 * operator runs them. Start-up failures are one line naming the variable; start-up says what
 * it created and applied; SIGTERM through the start script stops the server; a Redis outage
 * is a throttled warning, not raw dumps; the admin CLI never takes a password as argument.
 */

let build: string;
/** One Redis key prefix for every child of this file, removed at the end. */
const redisPrefix = uniqueName('proc');

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Environment of a child: nothing inherited but PATH, so .env and the shell do not leak in. */
function childEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: redisPrefix,
    ...env,
  };
}

class Child {
  readonly process: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<Run>;

  constructor(command: string, args: string[], env: NodeJS.ProcessEnv, input?: string) {
    this.process = spawn(command, args, {
      env: childEnv(env),
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      cwd: build,
    });
    if (input !== undefined) this.process.stdin!.end(input);
    this.process.stdout!.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    this.process.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((done) =>
      this.process.once('exit', (code, signal) =>
        done({ code, signal, stdout: this.stdout, stderr: this.stderr }),
      ),
    );
  }

  /** JSON log lines on stdout, parsed. */
  logs(): Array<Record<string, any>> {
    return this.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, any>);
  }
}

const node = (script: string, env: NodeJS.ProcessEnv, args: string[] = [], input?: string) =>
  new Child(process.execPath, [join(build, script), ...args], env, input);

async function waitForHealth(port: number, child: Child): Promise<void> {
  await vi.waitFor(
    async () => {
      if (child.process.exitCode !== null) throw new Error(`exited: ${child.stderr}`);
      expect((await fetch(`http://127.0.0.1:${port}/api/health`)).status).toBe(200);
    },
    // Generous: on a loaded 2-core machine a cold start has taken over 30 s.
    { timeout: 90_000, interval: 250 },
  );
}

async function sql<T = any>(database: string, text: string, values: unknown[] = []) {
  const client = new Client({ connectionString: databaseUrl(database) });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as T[];
  } finally {
    await client.end();
  }
}

beforeAll(() => {
  // Compiled output inside the repository, so it resolves node_modules.
  mkdirSync('.test-build', { recursive: true });
  build = resolve(mkdtempSync(join('.test-build', 'process-')));
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json', '--outDir', build], {
    stdio: 'inherit',
  });
}, 180_000);
afterAll(async () => {
  rmSync(build, { recursive: true, force: true });
  await deleteRedisKeys(redisPrefix);
});

describe('start-up failures: one line naming the variable, exit 1', { timeout: 120_000 }, () => {
  it('DATABASE_URL unreachable', async () => {
    const port = await freePort();
    const run = await node('src/main.js', {
      DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/market_api`,
      PORT: String(await freePort()),
    }).exited;
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'cannot start: PostgreSQL is unreachable or refused the connection (ECONNREFUSED) ' +
        '(check DATABASE_URL)\n',
    );
  });

  it('REDIS_URL unreachable', async () => {
    const database = await createTestDatabase();
    try {
      const run = await node('src/main.js', {
        DATABASE_URL: databaseUrl(database),
        REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
        PORT: String(await freePort()),
      }).exited;
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        'cannot start: Redis is unreachable (ECONNREFUSED) (check REDIS_URL)\n',
      );
    } finally {
      await dropTestDatabase(database);
    }
  });

  it('PORT already in use, for the API and for the worker alike', async () => {
    const database = await createTestDatabase();
    const busy: Server = createServer();
    const port = await freePort();
    await new Promise<void>((done) => busy.listen(port, '127.0.0.1', done));
    try {
      const run = await node('src/main.js', {
        DATABASE_URL: databaseUrl(database),
        PORT: String(port),
        APP_ROLE: 'api',
      }).exited;
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        `cannot start: port ${port} on 127.0.0.1 is already in use (check PORT)\n`,
      );
      const metrics = await node('src/worker.js', {
        DATABASE_URL: databaseUrl(database),
        METRICS_PORT: String(port),
      }).exited;
      expect(metrics.code).toBe(1);
      expect(metrics.stderr).toBe(
        `cannot start: port ${port} on 127.0.0.1 is already in use (check METRICS_PORT)\n`,
      );
    } finally {
      busy.close();
      await dropTestDatabase(database);
    }
  });

  it('a bad setting: every one named in the one line', async () => {
    const run = await node('src/main.js', {
      TRUST_PROXY: 'maybe',
      EMBEDDINGS_URL: 'localhost:11434',
    }).exited;
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n')).toEqual([
      expect.stringMatching(
        /^Invalid configuration: TRUST_PROXY: must be one of true\/false.*; EMBEDDINGS_URL: must be an http\(s\) URL/,
      ),
      '',
    ]);
  });

  it('production without JWT_SECRET', async () => {
    const run = await node('src/main.js', {
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl('x'),
    }).exited;
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('Invalid configuration: JWT_SECRET must be set in production\n');
  });
});

describe('a fresh start, stopped through the start script', () => {
  const database = uniqueName('market_fresh');
  afterAll(() => dropTestDatabase(database));

  it('creates the database, applies the migrations, says so in one line each, and warns once about JWT_SECRET', async () => {
    const port = await freePort();
    const script = JSON.parse(readFileSync('package.json', 'utf8')).scripts.start as string;
    expect(script).toMatch(/^exec node /);
    // npm runs a script as `sh -c <script>`; so does this, from the compiled output's root.
    const child = new Child('sh', ['-c', script.replace('dist/', '')], {
      NODE_ENV: 'development',
      DATABASE_URL: databaseUrl(database),
      PORT: String(port),
      APP_ROLE: 'api',
    });
    await waitForHealth(port, child);
    const lines = child.logs();
    expect(lines.filter((l) => l.msg === `created database ${database}`)).toHaveLength(1);
    const migrations = await sql(database, 'SELECT count(*)::int AS n FROM migrations');
    const applied = lines.filter((l) => /^applied \d+ migrations?$/.test(l.msg));
    expect(applied).toHaveLength(1);
    expect(applied[0].msg).toBe(`applied ${migrations[0].n} migrations`);
    expect(applied[0].migrations).toHaveLength(migrations[0].n);
    const warnings = lines.filter((l) => l.level === 40);
    expect(warnings.map((l) => l.msg)).toEqual([
      expect.stringMatching(/^JWT_SECRET is not set: signing tokens with a random secret/),
    ]);
    // Loopback only by default in development: HOST decides.
    expect(lines.some((l) => l.msg === `Server listening at http://127.0.0.1:${port}`)).toBe(true);

    // SIGTERM to the shell npm would have started reaches node, which is that very process.
    child.process.kill('SIGTERM');
    const run = await child.exited;
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    await expect(fetch(`http://127.0.0.1:${port}/api/health`)).rejects.toThrow();

    // The next start has nothing to create or apply, and says that too.
    const again = node('src/main.js', {
      DATABASE_URL: databaseUrl(database),
      PORT: String(port),
      APP_ROLE: 'api',
      JWT_SECRET: 'a'.repeat(40),
    });
    await waitForHealth(port, again);
    again.process.kill('SIGTERM');
    await again.exited;
    const second = again.logs();
    expect(second.filter((l) => l.msg.startsWith('created database'))).toEqual([]);
    expect(
      second.filter((l) => l.msg === 'database schema is current: no migration to apply'),
    ).toHaveLength(1);
    expect(second.filter((l) => l.level === 40)).toEqual([]);
  }, 240_000);
});

describe('Redis going away while the API and its workers run', () => {
  let redis: PrivateRedis;
  let database: string;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await redis.stop();
    await dropTestDatabase(database);
  });

  it('writes one warning per dependency every few seconds and no raw error dumps', async () => {
    const port = await freePort();
    const child = node('src/main.js', {
      DATABASE_URL: databaseUrl(database),
      REDIS_URL: redis.url,
      PORT: String(port),
      APP_ROLE: 'all',
    });
    try {
      await waitForHealth(port, child);
      const before = child.logs().length;
      await redis.stop();
      const downAt = Date.now();
      await new Promise((r) => setTimeout(r, 11_000));
      const seconds = (Date.now() - downAt) / 1000;
      const during = child.logs().slice(before);
      const warnings = during.filter((l) => l.level >= 40);
      // One line per 5 s for the dependency: 2 or 3 in 11 s, whatever its many clients saw.
      expect(warnings.length).toBeGreaterThanOrEqual(2);
      expect(warnings.length).toBeLessThanOrEqual(Math.ceil(seconds / 5));
      for (const warning of warnings) {
        expect(warning).toMatchObject({ context: 'Dependencies', dependency: 'redis' });
        expect(warning.msg).toMatch(/^redis unavailable \(\w+\); retrying$/);
        expect(warning).not.toHaveProperty('stack');
      }
      expect(child.stderr).toBe('');
      await redis.start();
    } finally {
      child.process.kill('SIGTERM');
      await child.exited;
    }
  }, 240_000);
});

describe('npm run admin:create', { timeout: 180_000 }, () => {
  let database: string;
  const cli = (env: NodeJS.ProcessEnv, args: string[], input?: string) =>
    node('src/cli/create-admin.js', { DATABASE_URL: databaseUrl(database), ...env }, args, input)
      .exited;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => dropTestDatabase(database));

  const admins = () =>
    sql<{ email: string }>(database, "SELECT email FROM users WHERE role = 'admin' ORDER BY email");

  it('refuses a password on the command line, an invalid email, and a short password, creating nobody', async () => {
    const argv = await cli({}, ['--email', 'a@example.com', '--password', 'long enough password']);
    expect(argv.code).toBe(2);
    expect(argv.stderr).toBe(
      'admin:create: --password is not accepted: set ADMIN_PASSWORD or type the password at the prompt (see --help)\n',
    );
    const badEmail = await cli({ ADMIN_PASSWORD: 'long enough password' }, [
      '--email',
      'not-an-email',
    ]);
    expect(badEmail.code).toBe(2);
    expect(badEmail.stderr).toBe(
      'admin:create: not a valid email address: not-an-email (see --help)\n',
    );
    const noEmail = await cli({ ADMIN_PASSWORD: 'long enough password' }, []);
    expect(noEmail.stderr).toBe('admin:create: --email is required (see --help)\n');
    const short = await cli({ ADMIN_PASSWORD: 'short' }, ['--email', 'a@example.com']);
    expect(short.code).toBe(2);
    expect(short.stderr).toBe(
      'admin:create: the password must be 12 to 128 characters (see --help)\n',
    );
    expect(await admins()).toEqual([]);
  }, 180_000);

  it('takes the password from ADMIN_PASSWORD, or from the prompt (here a pipe)', async () => {
    const fromEnv = await cli({ ADMIN_PASSWORD: 'env password 0123' }, [
      '--email',
      'env@example.com',
    ]);
    expect(fromEnv.stderr).toBe('');
    expect(fromEnv.code).toBe(0);
    expect(fromEnv.stdout).toContain('Created admin env@example.com.');
    const fromPrompt = await cli({}, ['--email', 'prompt@example.com'], 'prompt password 0123\n');
    expect(fromPrompt.stderr).toBe('');
    expect(fromPrompt.code).toBe(0);
    expect(await admins()).toEqual([{ email: 'env@example.com' }, { email: 'prompt@example.com' }]);
  }, 180_000);

  it.each([
    ['src/cli/create-admin.js', /^usage: npm run admin:create -- --email <email>/],
    ['src/cli/seed.js', /^usage: npm run seed -- \[--markets <n>\] \[--users <n>\]/],
  ])('%s --help prints its usage and exits 0 without touching anything', async (script, usage) => {
    const run = await node(script, { DATABASE_URL: 'postgres://nowhere:1/none' }, ['--help'])
      .exited;
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(usage);
    expect(run.stderr).toBe('');
  });
});
