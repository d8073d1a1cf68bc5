import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { runPgbench } from './pgbench';
import { ChildRegistry, freePort, waitForHttp } from './processes';
import { mergeMeasurements } from './stats';
import type {
  BenchContext,
  BenchOptions,
  ComparisonPoint,
  LoadResult,
  LoadSpec,
  Measurement,
  PgbenchResult,
  ReferenceServer,
} from './types';

/** CPUs used when pinning: servers (ours and references) on one, the load generator on another. */
export const SERVER_CPU = 0;
export const LOAD_CPU = 1;

export interface ContextDeps {
  scenario: string;
  options: BenchOptions;
  apiUrl: string;
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  db: Pool;
  /** Process id of the API, to measure its CPU use. */
  apiPid?: number;
  /** Environment the API was started with (JWT_SECRET, admin, Redis prefix…). */
  apiEnv: Record<string, string>;
  children: ChildRegistry;
  /** Compiled bench directory (`dist/bench`). */
  benchDist: string;
  /** Repository root (cwd of children). */
  root: string;
  cores: number;
}

export interface RunLog {
  label: string;
  kind: 'load' | 'pgbench';
  warmup: boolean;
  spec: unknown;
  result: LoadResult | PgbenchResult;
}

const withoutHistogram = ({ histogram: _histogram, ...rest }: Measurement): Measurement => rest;

const summarize = (m: Measurement) =>
  `${Math.round(m.rps).toLocaleString('en-US')} req/s, p50 ${m.p50?.toFixed(2)} ms, ` +
  `p99 ${m.p99?.toFixed(2)} ms` +
  (m.errors || m.non2xx ? `, ${m.errors} errors, ${m.non2xx} non-2xx` : '');

/** Builds the context one scenario gets, plus what the orchestrator needs to clean up after it. */
export function createContext(deps: ContextDeps): {
  ctx: BenchContext;
  runs: RunLog[];
  stopReferences(): Promise<void>;
} {
  const runs: RunLog[] = [];
  const references: ReferenceServer[] = [];
  /** Origin → pid of every server under test, so load runs can charge CPU to it. */
  const serverPids = new Map<string, number>();
  if (deps.apiPid) serverPids.set(new URL(deps.apiUrl).origin, deps.apiPid);
  const cpu = (which: number) => (deps.options.pin ? which : undefined);
  const log = (message: string) => process.stderr.write(`[${deps.scenario}] ${message}\n`);
  // Label of the measurement in progress, so runs in the raw results say which side they were.
  let current = { label: 'load', warmup: false };

  const load = async (spec: LoadSpec): Promise<LoadResult> => {
    spec = { ...spec, serverPid: spec.serverPid ?? serverPids.get(new URL(spec.url).origin) };
    const child = deps.children.spawn('load', process.execPath, [join(deps.benchDist, 'load.js')], {
      cwd: deps.root,
      cpu: cpu(LOAD_CPU),
      output: 'capture',
      input: JSON.stringify(spec),
    });
    const code = await child.exited;
    const lastLine = child.stdout().trim().split('\n').pop() ?? '';
    if (code !== 0 || !lastLine) {
      throw new Error(`load generator exited ${code} for ${spec.url}:\n${child.tail()}`);
    }
    const result = JSON.parse(lastLine) as LoadResult;
    runs.push({ label: current.label, kind: 'load', warmup: current.warmup, spec, result });
    return result;
  };

  const ctx: BenchContext = {
    options: deps.options,
    apiUrl: deps.apiUrl,
    databaseUrl: deps.databaseUrl,
    redisUrl: deps.redisUrl,
    redisPrefix: deps.redisPrefix,
    apiEnv: deps.apiEnv,
    db: deps.db,
    log,
    load,

    async startReference(spec) {
      const js = spec.script.replace(/\.ts$/, '.js');
      const script = join(deps.benchDist, js);
      if (!existsSync(script))
        throw new Error(`reference script ${script} not found (npm run build?)`);
      const port = await freePort();
      const child = deps.children.spawn(spec.name, process.execPath, [script], {
        cwd: deps.root,
        cpu: cpu(SERVER_CPU),
        output: 'prefix',
        env: { ...process.env, ...spec.env, PORT: String(port) },
      });
      const url = `http://127.0.0.1:${port}`;
      await waitForHttp(`${url}${spec.readyPath ?? '/'}`, child, 30_000);
      if (child.process.pid) serverPids.set(url, child.process.pid);
      const server: ReferenceServer = {
        name: spec.name,
        url,
        port,
        stop: () => deps.children.stop(child),
      };
      references.push(server);
      log(`reference "${spec.name}" listening on ${url}`);
      return server;
    },

    async pgbench(spec) {
      const result = await runPgbench(
        spec,
        {
          databaseUrl: deps.databaseUrl,
          cores: deps.cores,
          tmpRoot: join(deps.root, 'dist', 'bench-tmp'),
        },
        deps.children,
      );
      runs.push({ label: current.label, kind: 'pgbench', warmup: current.warmup, spec, result });
      return result;
    },

    async sideBySide(ours, reference) {
      const { connections, duration, rounds, warmup } = deps.options;
      const sides = [
        { name: 'ours', measure: ours },
        { name: 'reference', measure: reference },
      ] as const;
      if (warmup > 0) {
        const top = connections[connections.length - 1];
        for (const side of sides) {
          current = { label: `${side.name} warm-up c=${top}`, warmup: true };
          log(`warm-up ${side.name}, ${top} connections, ${warmup} s`);
          await side.measure(top, warmup);
        }
      }
      const slice = duration / rounds;
      const points: Array<Omit<ComparisonPoint, 'ratio' | 'met'>> = [];
      let flip = false;
      for (const c of connections) {
        const slices: Record<'ours' | 'reference', Measurement[]> = { ours: [], reference: [] };
        for (let round = 0; round < rounds; round++) {
          for (const side of flip ? [sides[1], sides[0]] : sides) {
            current = { label: `${side.name} c=${c} slice ${round + 1}/${rounds}`, warmup: false };
            slices[side.name].push(await side.measure(c, slice));
          }
          flip = !flip;
        }
        const ours = mergeMeasurements(slices.ours);
        const reference = mergeMeasurements(slices.reference);
        log(`ours      c=${c}: ${summarize(ours)}`);
        log(`reference c=${c}: ${summarize(reference)}`);
        points.push({
          connections: c,
          ours: withoutHistogram(ours),
          reference: withoutHistogram(reference),
        });
      }
      return points;
    },

    compareHttp(oursSpec, referenceSpec) {
      return ctx.sideBySide(
        (connections, duration) => load({ ...oursSpec, connections, duration }),
        (connections, duration) => load({ ...referenceSpec, connections, duration }),
      );
    },
  };

  return {
    ctx,
    runs,
    stopReferences: async () => {
      await Promise.all(references.map((r) => r.stop()));
    },
  };
}
