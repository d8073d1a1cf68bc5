/**
 * CPU profile of the API under load: `node dist/bench/profile.js [--path /api/health]
 * [--seconds 10] [--connections 50] [--out bench/results/profile]`.
 *
 * Starts the API (`node --cpu-prof dist/src/main.js`, the bench settings, pinned to CPU 0),
 * drives it with the load generator (CPU 1), stops it with SIGTERM so V8 writes the
 * `.cpuprofile`, and prints req/s and the top frames by self time (and by package).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_DATABASE_URL, BENCH_REDIS_URL, benchApiEnv } from './lib/api-env';
import { ChildRegistry, canPin, freePort, waitForHttp } from './lib/processes';
import { cpus } from 'node:os';
import { runLoad } from './load';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  /** µs on the monotonic clock `process.hrtime` reads, so another process can name a window. */
  startTime: number;
}

/** Frames V8 books when the thread runs no JavaScript; left out of the percentages. */
const IDLE = '(idle)';

/** Microseconds on the clock of `CpuProfile.startTime` (CLOCK_MONOTONIC on Linux). */
export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

const ROOT = resolve(__dirname, '..', '..');

/**
 * Self time by frame and by package, as shares of the busy (non-idle) time. With `window`,
 * only samples taken inside it count: the measured load, not start-up or warm-up.
 */
export function topFrames(profile: CpuProfile, count = 25, window?: { from: number; to: number }) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let at = profile.startTime;
  let idle = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (window && (at < window.from || at > window.to)) return;
    if (byId.get(id)!.callFrame.functionName === IDLE) {
      idle += delta;
      return;
    }
    self.set(id, (self.get(id) ?? 0) + delta);
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const frames = new Map<string, number>();
  const packages = new Map<string, number>();
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const file = url.replace(/^file:\/\//, '').replace(ROOT + '/', '');
    const key =
      `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : ''}`.trim();
    frames.set(key, (frames.get(key) ?? 0) + us);
    const pkg =
      /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ??
      (file.startsWith('dist/')
        ? 'app (dist)'
        : file.startsWith('node:')
          ? 'node core'
          : file || functionName);
    packages.set(pkg, (packages.get(pkg) ?? 0) + us);
  }
  const top = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([name, us]) => ({ name, percent: +((100 * us) / total).toFixed(1) }));
  return {
    frames: top(frames),
    packages: top(packages),
    idlePercent: +((100 * idle) / (idle + total || 1)).toFixed(1),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      path: { type: 'string', default: '/api/health' },
      seconds: { type: 'string', default: '10' },
      connections: { type: 'string', default: '50' },
      out: { type: 'string', default: join(ROOT, 'bench', 'results', 'profile') },
      'no-profile': { type: 'boolean', default: false },
      /** JSON file with more of the LoadSpec (`cycle`, `rotate`, `method`, `headers`, `body`). */
      spec: { type: 'string' },
    },
  });
  const out = resolve(values.out);
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  const children = new ChildRegistry();
  const pin = canPin(cpus().length);
  const port = await freePort();
  const api = children.spawn(
    'api',
    process.execPath,
    [
      ...(values['no-profile'] ? [] : ['--cpu-prof', `--cpu-prof-dir=${out}`]),
      join(ROOT, 'dist', 'src', 'main.js'),
    ],
    {
      cwd: ROOT,
      cpu: pin ? 0 : undefined,
      output: 'prefix',
      env: {
        ...process.env,
        ...benchApiEnv({
          databaseUrl: BENCH_DATABASE_URL,
          redisUrl: BENCH_REDIS_URL,
          redisPrefix: 'bench-profile',
          // Set BENCH_JWT_SECRET to profile authenticated routes with tokens minted for it.
          jwtSecret: process.env.BENCH_JWT_SECRET ?? randomBytes(32).toString('hex'),
        }),
        PORT: String(port),
        // No vector index to load (bench/run.ts says why).
        EMBEDDINGS_PROVIDER: 'none',
      },
    },
  );
  const url = `http://127.0.0.1:${port}`;
  let window: { from: number; to: number } | undefined;
  try {
    await waitForHttp(`${url}/api/health`, api, 90_000);

    const extra = values.spec
      ? (JSON.parse(await readFile(values.spec, 'utf8')) as Record<string, unknown>)
      : {};
    // Warm-up, then the measured run.
    await runLoad({
      url: `${url}${values.path}`,
      connections: Number(values.connections),
      duration: 3,
      ...extra,
    });
    const from = monotonicMicros();
    const load = children.spawn('load', process.execPath, [join(__dirname, 'load.js')], {
      cwd: ROOT,
      cpu: pin ? 1 : undefined,
      output: 'capture',
      input: JSON.stringify({
        url: `${url}${values.path}`,
        connections: Number(values.connections),
        duration: Number(values.seconds),
        serverPid: api.process.pid,
        ...extra,
      }),
    });
    await load.exited;
    window = { from, to: monotonicMicros() };
    const result = JSON.parse(load.stdout().trim().split('\n').pop()!) as {
      rps: number;
      p50: number;
      p99: number;
      cpuUsPerRequest: number | null;
    };
    console.log(
      `${values.path}: ${Math.round(result.rps)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, ` +
        `server CPU ${result.cpuUsPerRequest} µs/req`,
    );
  } finally {
    await children.stopAll();
  }
  if (values['no-profile']) return;
  const file = (await readdir(out)).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile in ${out}`);
  const { frames, packages, idlePercent } = topFrames(
    JSON.parse(await readFile(join(out, file), 'utf8')) as CpuProfile,
    25,
    window,
  );
  console.log(`\nmeasured run only; idle ${idlePercent} %, shares below are of the busy time`);
  console.log('\nself time by package:');
  for (const p of packages.slice(0, 15))
    console.log(`${p.percent.toFixed(1).padStart(5)} %  ${p.name}`);
  console.log('\ntop frames by self time:');
  for (const f of frames) console.log(`${f.percent.toFixed(1).padStart(5)} %  ${f.name}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
