import type { Pool } from 'pg';

/** One HTTP request shape for the load generator (autocannon's `requests` entries). */
export interface LoadRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  /** Path and query, e.g. `/api/markets?limit=20`. */
  path?: string;
  body?: string;
  headers?: Record<string, string>;
}

/** What `bench/load.ts` runs: one autocannon run against one URL. */
export interface LoadSpec extends LoadRequest {
  /** Absolute URL; its path is used unless `requests` or `path` say otherwise. */
  url: string;
  connections: number;
  /** Seconds. */
  duration: number;
  /** Cycled through per connection (mixed load, varying ids); overrides method/path/body. */
  requests?: LoadRequest[];
  /**
   * One request per value, taken in turn by all connections together (a shared counter), with
   * `{}` in `template` replaced by the value: e.g. many market ids, so no two requests in a
   * row ask for the same one. Overrides `path`/`requests`.
   */
  rotate?: { template: string; values: string[] };
  /** Whole requests taken in turn by all connections together (shared counter); overrides the rest. */
  cycle?: LoadRequest[];
  /** Per-request timeout in seconds (autocannon default 10). */
  timeout?: number;
  /** Process to charge server CPU to; `ctx.load` fills it in for the API and references. */
  serverPid?: number;
}

/** One measured run, HTTP or pgbench. Latencies in milliseconds; `null` when not measured. */
export interface Measurement {
  /** Completed requests (or transactions) per second over the whole run. */
  rps: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  mean: number | null;
  max: number | null;
  /** Completed requests or transactions. */
  total: number;
  /** Connection errors and timeouts (HTTP), failed transactions (pgbench). */
  errors: number;
  /** Responses whose status is not 2xx (0 for pgbench). */
  non2xx: number;
  /** Seconds actually measured. */
  durationS: number;
  /** CPU time of the load generator ÷ wall time (1 = one core busy); HTTP runs only. */
  generatorCpu?: number;
  /** Cores kept busy by the server under test during the run. */
  serverCpu?: number | null;
  /** Server CPU time per completed request, in µs: the cost of the code path. */
  cpuUsPerRequest?: number | null;
  /** Cores kept busy by everything else on the machine (kernel, PostgreSQL, Redis, neighbours). */
  otherCpu?: number | null;
  /** Latency histogram (see stats.ts), so slices can be merged; dropped from committed records. */
  histogram?: Record<string, number>;
}

/** What the load generator prints on stdout: the measurement plus autocannon's own summary. */
export interface LoadResult extends Measurement {
  statusCodes: Record<string, number>;
  autocannon: {
    latencyP50: number;
    latencyP99: number;
    /** Response bytes received. */
    bytes: number;
    timeouts: number;
    mismatches: number;
  };
}

export interface PgbenchSpec {
  /** Path to a pgbench script file… */
  scriptFile?: string;
  /** …or its text (written to a temporary file). */
  script?: string;
  clients: number;
  /** Seconds. */
  duration: number;
  /** Worker threads (`-j`), default min(clients, cores). */
  threads?: number;
  /** Script variables (`-D name=value`). */
  variables?: Record<string, string | number>;
  /** Query protocol (`-M`), default `prepared`. */
  protocol?: 'simple' | 'extended' | 'prepared';
  /** Database URL, default the bench database. */
  databaseUrl?: string;
}

export interface PgbenchResult extends Measurement {
  tps: number;
  latencyAverageMs: number;
  failed: number;
  command: string;
}

/** A reference server started by a scenario; stopped by the orchestrator at the end. */
export interface ReferenceServer {
  name: string;
  /** Origin, e.g. `http://127.0.0.1:41234`. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface ReferenceSpec {
  /** Label used in logs and reports, e.g. `raw Fastify`. */
  name: string;
  /** Script under `bench/` (`reference/raw-fastify.ts`); its compiled `.js` in `dist/bench` runs. */
  script: string;
  /** Extra environment; `PORT` is set to a free port. */
  env?: Record<string, string>;
  /** Path answered with 2xx once the server is ready. Default `/`. */
  readyPath?: string;
}

/** What a scenario must beat. `ratio` is ours / reference. */
export type Target =
  | { kind: 'throughput-ratio'; min: number; text: string }
  | {
      kind: 'latency-max';
      percentile: 'p50' | 'p95' | 'p99';
      maxMs: number;
      /** The reference side's own bound, when the target has one for it too. */
      referenceMaxMs?: number;
      /** Judged at this connection level only; the other levels are reported. */
      atConnections?: number;
      text: string;
    };

export interface ComparisonPoint {
  connections: number;
  ours: Measurement;
  reference: Measurement;
  /** ours.rps / reference.rps */
  ratio: number;
  /** Whether the target is met at this level. */
  met: boolean;
}

/** What `Scenario.run` returns: the two sides and their numbers per connection level. */
export interface ScenarioOutcome {
  oursLabel: string;
  referenceLabel: string;
  points: Array<Omit<ComparisonPoint, 'ratio' | 'met'>>;
  notes?: string[];
  /** Anything else worth keeping in `bench/results/<name>.json` (raw runs, settings). */
  raw?: unknown;
}

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  postgres: string;
  redis: string;
  autocannon: string;
  pgbench: string;
}

/** The committed summary of a scenario's last run (`docs/bench-data/<name>.json`). */
export interface ScenarioRecord {
  name: string;
  description: string;
  target: Target;
  oursLabel: string;
  referenceLabel: string;
  points: ComparisonPoint[];
  met: boolean;
  notes: string[];
  command: string;
  date: string;
  settings: {
    duration: number;
    rounds: number;
    warmup: number;
    connections: number[];
    pinned: boolean;
  };
  machine: MachineInfo;
}

export interface BenchOptions {
  only: string[] | null;
  /** Seconds measured per side and connection level… */
  duration: number;
  /** …split into this many alternating slices (ours, reference, reference, ours, …). */
  rounds: number;
  warmup: number;
  connections: number[];
  pin: boolean;
}

/** What every scenario gets. */
export interface BenchContext {
  options: BenchOptions;
  /** Origin of our API, e.g. `http://127.0.0.1:40123` (routes live under `/api`). */
  apiUrl: string;
  databaseUrl: string;
  redisUrl: string;
  /** Redis key prefix of the API under test (without the trailing colon). */
  redisPrefix: string;
  /** Environment the API was started with (JWT_SECRET, ADMIN_*, CACHE_TTL_MS…). */
  apiEnv: Record<string, string>;
  /** Pool on the bench database, to seed data. Do not end it. */
  db: Pool;
  /** Starts a reference server as a child process; waits until `readyPath` answers 2xx. */
  startReference(spec: ReferenceSpec): Promise<ReferenceServer>;
  /** Runs autocannon in its own child process. */
  load(spec: LoadSpec): Promise<LoadResult>;
  /** Runs pgbench with a custom script; percentiles come from its per-transaction log. */
  pgbench(spec: PgbenchSpec): Promise<PgbenchResult>;
  /**
   * Measures both sides at every connection level of `options.connections`, after one
   * warm-up run of each side: `options.rounds` slices of `duration / rounds` seconds per side,
   * alternating (ours, reference, reference, ours, …) so background noise hits both alike;
   * the slices of a side are merged into one measurement.
   */
  sideBySide(
    ours: (connections: number, duration: number) => Promise<Measurement>,
    reference: (connections: number, duration: number) => Promise<Measurement>,
  ): Promise<Array<Omit<ComparisonPoint, 'ratio' | 'met'>>>;
  /** `sideBySide` for two HTTP targets: the same load spec (minus url) against each URL. */
  compareHttp(
    ours: Omit<LoadSpec, 'connections' | 'duration'>,
    reference: Omit<LoadSpec, 'connections' | 'duration'>,
  ): Promise<Array<Omit<ComparisonPoint, 'ratio' | 'met'>>>;
  log(message: string): void;
}

/** A benchmark scenario: one file in `bench/scenarios/` exporting `scenario` (or `scenarios`). */
export interface Scenario {
  /** File-safe, unique; used for `--only`, results and plots. */
  name: string;
  /** One paragraph for docs/benchmarks.md: what is compared, and why it is fair. */
  description: string;
  target: Target;
  prepare?(ctx: BenchContext): Promise<void>;
  run(ctx: BenchContext): Promise<ScenarioOutcome>;
}
