import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChildRegistry } from './processes';
import { LatencyRecorder, round } from './stats';
import type { PgbenchResult, PgbenchSpec } from './types';

/** Parses pgbench's summary (PostgreSQL 15 wording). */
export function parsePgbenchSummary(stdout: string): {
  tps: number;
  latencyAverageMs: number;
  processed: number;
  failed: number;
} {
  const num = (re: RegExp) => {
    const m = re.exec(stdout);
    return m ? Number(m[1]) : NaN;
  };
  const tps = num(/^tps = ([\d.]+)/m);
  if (!Number.isFinite(tps)) throw new Error(`pgbench printed no tps:\n${stdout}`);
  return {
    tps,
    latencyAverageMs: num(/^latency average = ([\d.]+) ms/m),
    processed: num(/^number of transactions actually processed: (\d+)/m),
    failed: num(/^number of failed transactions: (\d+)/m) || 0,
  };
}

/**
 * Runs pgbench (`-n`, no vacuum; `-l` per-transaction log for percentiles) with a custom
 * script. `tmpRoot` holds the script and the logs for the duration of the run.
 */
export async function runPgbench(
  spec: PgbenchSpec,
  defaults: { databaseUrl: string; cores: number; tmpRoot: string },
  children: ChildRegistry,
): Promise<PgbenchResult> {
  await mkdir(defaults.tmpRoot, { recursive: true });
  const dir = await mkdtemp(join(defaults.tmpRoot, 'pgbench-'));
  try {
    let scriptFile = spec.scriptFile;
    if (!scriptFile) {
      if (!spec.script) throw new Error('pgbench needs script or scriptFile');
      scriptFile = join(dir, 'script.sql');
      await writeFile(scriptFile, spec.script);
    }
    const threads = spec.threads ?? Math.max(1, Math.min(spec.clients, defaults.cores));
    const args = [
      '-n',
      '-f',
      scriptFile,
      '-c',
      String(spec.clients),
      '-j',
      String(threads),
      '-T',
      String(Math.max(1, Math.round(spec.duration))),
      '-M',
      spec.protocol ?? 'prepared',
      '-l',
      `--log-prefix=${join(dir, 'tx')}`,
    ];
    for (const [name, value] of Object.entries(spec.variables ?? {})) {
      args.push('-D', `${name}=${value}`);
    }
    args.push(spec.databaseUrl ?? defaults.databaseUrl);

    const child = children.spawn('pgbench', 'pgbench', args, { output: 'capture', cwd: dir });
    const code = await child.exited;
    if (code !== 0) throw new Error(`pgbench exited ${code}:\n${child.tail()}\n${child.stdout()}`);
    const summary = parsePgbenchSummary(child.stdout());

    // Log lines: client_id transaction_no time_us script_no epoch_s epoch_us …
    const latencies = new LatencyRecorder();
    for (const file of await readdir(dir)) {
      if (!file.startsWith('tx.')) continue;
      const text = await readFile(join(dir, file), 'utf8');
      for (const line of text.split('\n')) {
        const fields = line.split(' ');
        if (fields.length >= 3 && fields[2] !== 'failed')
          latencies.record(Number(fields[2]) / 1000);
      }
    }
    return {
      rps: round(summary.tps, 1),
      tps: summary.tps,
      latencyAverageMs: summary.latencyAverageMs,
      ...latencies.summary(),
      mean: summary.latencyAverageMs,
      total: summary.processed,
      errors: summary.failed,
      failed: summary.failed,
      non2xx: 0,
      durationS: spec.duration,
      histogram: latencies.histogram(),
      command: ['pgbench', ...args].join(' '),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
