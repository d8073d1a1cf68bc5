/**
 * Benchmark orchestrator: `npm run bench -- [--only a,b] [--duration s] [--connections n,m]`.
 *
 * Prepares the `market_bench` database, starts the real API as a child process, runs each
 * selected scenario (which starts its reference servers and drives the load generator, each
 * in a child process), writes bench/results/<name>.json and docs/bench-data/<name>.json, and
 * regenerates docs/benchmarks.md with its plots. Every child is stopped at the end, on error
 * and on Ctrl-C.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { deleteRedisKeys } from './lib/fixtures';
import { Pool } from 'pg';
import { ensureDatabase } from '../src/database/ensure-database';
import { BENCH_DATABASE_URL, BENCH_REDIS_URL, benchApiEnv } from './lib/api-env';
import { USAGE, UsageError, parseArgs } from './lib/args';
import { SERVER_CPU, createContext } from './lib/context';
import { prettierFormat } from './lib/format';
import { machineInfo } from './lib/machine';
import { ChildRegistry, canPin, freePort, waitForHttp } from './lib/processes';
import { loadScenarios } from './lib/registry';
import { writeDocs } from './lib/report';
import { BACKGROUND_NOISY, evaluate } from './lib/targets';
import { clockTicks, machineBusyTicks } from './lib/cpu';
import type { BenchOptions, MachineInfo, Scenario, ScenarioRecord } from './lib/types';

const BENCH_DIST = __dirname;
const ROOT = resolve(__dirname, '..', '..');
const REDIS_PREFIX = process.env.BENCH_REDIS_PREFIX ?? 'bench';
/** Known to scenarios (ctx.apiEnv) so they can mint access tokens as the API does. */
const JWT_SECRET = process.env.BENCH_JWT_SECRET ?? randomBytes(32).toString('hex');

const children = new ChildRegistry();
/** Set on Ctrl-C / SIGTERM: scenarios stop, docs are left as they were. */
let interrupted = false;

function say(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** Cores busy on the machine over one second, before anything of ours runs. */
async function backgroundCores(): Promise<number | null> {
  const ticks = clockTicks();
  const before = machineBusyTicks();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const after = machineBusyTicks();
  return before === null || after === null ? null : (after - before) / ticks;
}

/** Deletes the bench key space (rate-limit counters, cache) so every run starts cold. */
function clearRedisPrefix(): Promise<number> {
  return deleteRedisKeys(BENCH_REDIS_URL, `${REDIS_PREFIX}:*`);
}

/** Environment of the API under test (also handed to scenarios that start another instance). */
function apiEnv(): Record<string, string> {
  return benchApiEnv({
    databaseUrl: BENCH_DATABASE_URL,
    redisUrl: BENCH_REDIS_URL,
    redisPrefix: REDIS_PREFIX,
    jwtSecret: JWT_SECRET,
  });
}

async function startApi(pin: boolean): Promise<{ url: string; pid?: number }> {
  const port = await freePort();
  const child = children.spawn('api', process.execPath, [join(ROOT, 'dist', 'src', 'main.js')], {
    cwd: ROOT,
    cpu: pin ? SERVER_CPU : undefined,
    output: 'prefix',
    // No embeddings provider, so no vector index: scenarios that start an `APP_ROLE=all`
    // instance (mixed) embed markets of this database, and this API would then spend minutes
    // of its core adding their vectors to its index during the scenarios that follow.
    env: { ...process.env, ...apiEnv(), EMBEDDINGS_PROVIDER: 'none', PORT: String(port) },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/api/health`, child, 90_000);
  return { url, pid: child.process.pid };
}

function commandLine(argv: string[]): string {
  return ['npm run bench', ...(argv.length > 0 ? ['--', ...argv] : [])].join(' ');
}

async function runScenario(
  scenario: Scenario,
  options: BenchOptions,
  shared: { apiUrl: string; apiPid?: number; db: Pool; machine: MachineInfo; command: string },
): Promise<ScenarioRecord> {
  const { ctx, runs, stopReferences } = createContext({
    scenario: scenario.name,
    options,
    apiUrl: shared.apiUrl,
    databaseUrl: BENCH_DATABASE_URL,
    redisUrl: BENCH_REDIS_URL,
    redisPrefix: REDIS_PREFIX,
    db: shared.db,
    apiPid: shared.apiPid,
    apiEnv: apiEnv(),
    children,
    benchDist: BENCH_DIST,
    root: ROOT,
    cores: shared.machine.cores,
  });
  const started = new Date();
  try {
    if (scenario.prepare) {
      ctx.log('prepare');
      await scenario.prepare(ctx);
    }
    const outcome = await scenario.run(ctx);
    const { points, met } = evaluate(scenario.target, outcome.points);
    const record: ScenarioRecord = {
      name: scenario.name,
      description: scenario.description,
      target: scenario.target,
      oursLabel: outcome.oursLabel,
      referenceLabel: outcome.referenceLabel,
      points,
      met,
      notes: outcome.notes ?? [],
      command: shared.command,
      date: started.toISOString(),
      settings: {
        duration: options.duration,
        rounds: options.rounds,
        warmup: options.warmup,
        connections: options.connections,
        pinned: options.pin,
      },
      machine: shared.machine,
    };
    const resultsDir = join(ROOT, 'bench', 'results');
    await mkdir(resultsDir, { recursive: true });
    const rawPath = join(resultsDir, `${scenario.name}.json`);
    const raw = { ...record, finished: new Date().toISOString(), runs, raw: outcome.raw ?? null };
    await writeFile(rawPath, await prettierFormat(JSON.stringify(raw), rawPath));
    const dataDir = join(ROOT, 'docs', 'bench-data');
    await mkdir(dataDir, { recursive: true });
    const dataPath = join(dataDir, `${scenario.name}.json`);
    await writeFile(dataPath, await prettierFormat(JSON.stringify(record), dataPath));
    for (const p of points) {
      ctx.log(
        `c=${p.connections}: ratio ${p.ratio.toFixed(2)} (${scenario.target.text}) → ${p.met ? 'met' : 'NOT met'}`,
      );
    }
    return record;
  } finally {
    await stopReferences();
  }
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const cores = cpus().length;
  const options = parseArgs(argv, canPin(cores));
  if (options.help) {
    say(USAGE);
    return 0;
  }
  const scenarios = await loadScenarios(join(BENCH_DIST, 'scenarios'));
  if (options.reportOnly) {
    const records = await writeDocs(
      join(ROOT, 'docs'),
      scenarios.map((s) => s.name),
    );
    say(`docs/benchmarks.md regenerated from ${records.length} scenario record(s)`);
    return 0;
  }
  if (options.list) {
    for (const s of scenarios) say(`${s.name.padEnd(16)} ${s.target.text}`);
    return 0;
  }
  const unknown = (options.only ?? []).filter((n) => !scenarios.some((s) => s.name === n));
  if (unknown.length > 0) {
    throw new UsageError(
      `Unknown scenario(s) ${unknown.join(', ')}; available: ${scenarios.map((s) => s.name).join(', ')}`,
    );
  }
  const selected = options.only
    ? scenarios.filter((s) => options.only!.includes(s.name))
    : scenarios;
  if (options.pin && cores < 2) options.pin = false;

  const background = await backgroundCores();
  if (background !== null) {
    say(
      `background load: ${background.toFixed(2)} cores busy before start` +
        (background >= BACKGROUND_NOISY ? ' — results will be noisy' : ''),
    );
  }
  say(
    `database ${BENCH_DATABASE_URL}: ${(await ensureDatabase(BENCH_DATABASE_URL)) ? 'created' : 'exists'}`,
  );
  say(`redis prefix "${REDIS_PREFIX}:": ${await clearRedisPrefix()} keys cleared`);
  say('starting the API (migrations run on start)…');
  const { url: apiUrl, pid: apiPid } = await startApi(options.pin);
  say(`API ready at ${apiUrl}${options.pin ? ` (CPU ${SERVER_CPU})` : ''}`);

  const db = new Pool({ connectionString: BENCH_DATABASE_URL, max: 4 });
  let failures = 0;
  try {
    const machine = await machineInfo(db, BENCH_REDIS_URL);
    say(`machine: ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}`);
    const command = commandLine(argv);
    for (const scenario of selected) {
      if (interrupted) break;
      say(`\n== ${scenario.name}: ${scenario.target.text}`);
      try {
        await runScenario(scenario, options, { apiUrl, apiPid, db, machine, command });
      } catch (error) {
        if (interrupted) break;
        failures++;
        say(`[${scenario.name}] FAILED: ${(error as Error).stack ?? String(error)}`);
      }
    }
  } finally {
    await db.end();
  }
  if (interrupted) return 130;
  const records = await writeDocs(
    join(ROOT, 'docs'),
    scenarios.map((s) => s.name),
  );
  say(`\ndocs/benchmarks.md regenerated from ${records.length} scenario record(s)`);
  return failures > 0 ? 1 : 0;
}

let stopping = false;
async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    await children.stopAll().catch(() => children.killAllNow());
  }
  process.exit(code);
}

process.on('exit', () => children.killAllNow());
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    interrupted = true;
    say(`\n${signal}: stopping child processes…`);
    void shutdown(130);
  });
}

main()
  .then((code) => shutdown(code))
  .catch((error: unknown) => {
    say(
      error instanceof UsageError
        ? `${error.message}\n\n${USAGE}`
        : String((error as Error).stack ?? error),
    );
    return shutdown(error instanceof UsageError ? 2 : 1);
  });
