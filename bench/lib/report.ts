import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { prettierFormat } from './format';
import { COLORS, lineChart } from './svg';
import { noiseNotes, saturationNotes } from './targets';
import type { ComparisonPoint, Measurement, ScenarioRecord, Target } from './types';

export const REPRODUCE_COMMAND = 'npm run setup && npm run bench';

const num = (v: number | null, digits = 2) => (v === null ? '–' : v.toFixed(digits));
const rps = (v: number) => Math.round(v).toLocaleString('en-US');

export function targetText(target: Target): string {
  switch (target.kind) {
    case 'throughput-ratio':
      return target.min > 0 ? `req/s ratio ≥ ${target.min.toFixed(2)}` : 'report only';
    case 'latency-max':
      return (
        `ours ${target.percentile} ≤ ${target.maxMs} ms` +
        (target.referenceMaxMs === undefined ? '' : `, reference ≤ ${target.referenceMaxMs} ms`)
      );
  }
}

function judgedLevels(target: Target): string {
  return target.kind === 'latency-max' && target.atConnections !== undefined
    ? `at ${target.atConnections} connection${target.atConnections === 1 ? '' : 's'}; the other levels are reported`
    : 'at every connection level';
}

function machineLine(r: ScenarioRecord): string {
  const m = r.machine;
  return `${m.cpuModel}, ${m.cores} cores, Node ${m.node}, PostgreSQL ${m.postgres}, Redis ${m.redis}`;
}

function errorsCell(m: Measurement): string {
  return `${m.errors} / ${m.non2xx}`;
}

export const DATA_SIZE_PLOT = 'cost-vs-data-size.svg';
export const LIST_SIZE_PLOT = 'list-cost-vs-data-size.svg';

/** One sized scenario's record with its one-client point, e.g. `search-10k` → 10,000 markets. */
interface SizedPoint {
  record: ScenarioRecord;
  markets: number;
  point: ComparisonPoint;
}

/** Records named `<prefix>-<n>k` that have a one-client point, smallest size first. */
export function sizedPoints(records: ScenarioRecord[], prefix: string): SizedPoint[] {
  const pattern = new RegExp(`^${prefix}-(\\d+)k$`);
  return records
    .map((record) => ({ record, size: pattern.exec(record.name)?.[1] }))
    .filter((x): x is { record: ScenarioRecord; size: string } => x.size !== undefined)
    .map(({ record, size }) => ({
      record,
      markets: Number(size) * 1000,
      point: record.points.find((p) => p.connections === 1),
    }))
    .filter((x): x is SizedPoint => x.point !== undefined)
    .sort((a, b) => a.markets - b.markets);
}

/** p50 and p95 of both sides of sized records against the number of markets (one client). */
function sizeChart(title: string, sized: SizedPoint[], ours: string, reference: string): string {
  const series = (
    label: string,
    color: string,
    dashed: boolean,
    pick: (p: ComparisonPoint) => number | null,
  ) => ({
    label,
    color,
    dashed,
    values: sized.map((x) => pick(x.point)),
  });
  return lineChart({
    title,
    xLabel: 'markets',
    yLabel: 'latency (ms)',
    xs: sized.map((x) => x.markets),
    series: [
      series(`${ours} p50`, COLORS.ours, false, (p) => p.ours.p50),
      series(`${ours} p95`, COLORS.ours, true, (p) => p.ours.p95),
      series(`${reference} p50`, COLORS.reference, false, (p) => p.reference.p50),
      series(`${reference} p95`, COLORS.reference, true, (p) => p.reference.p95),
    ],
  });
}

/**
 * Cost vs data size: search p50/p95 with one client at each seeded size (the `search-<n>k`
 * scenarios, hybrid as "ours", keyword as the reference). Null when fewer than two sizes ran.
 */
export function dataSizePlot(records: ScenarioRecord[]): string | null {
  const sized = sizedPoints(records, 'search');
  if (sized.length < 2) return null;
  return sizeChart('search: latency vs number of markets (1 client)', sized, 'hybrid', 'keyword');
}

/**
 * The list's cost vs data size: p50/p95 with one client of the deep cursor page ("ours") and
 * page 1 (the reference) at each size (the `market-list-<n>k` scenarios). Null below two sizes.
 */
export function listSizePlot(records: ScenarioRecord[]): string | null {
  const sized = sizedPoints(records, 'market-list');
  if (sized.length < 2) return null;
  return sizeChart(
    'market list: latency vs number of markets (1 client)',
    sized,
    'deep cursor page',
    'page 1',
  );
}

/** Table of the list's sizes: one-client latencies and server CPU per request of both pages. */
export function listSizeTable(records: ScenarioRecord[]): string[] {
  const sized = sizedPoints(records, 'market-list');
  if (sized.length === 0) return [];
  const lines = [
    '| markets | deep page | page 1 p50 / p95 ms | deep page p50 / p95 ms | deep ÷ page 1 p50 | server CPU µs/req, deep / page 1 |',
    '| ---: | --- | ---: | ---: | ---: | ---: |',
  ];
  for (const { record, markets, point } of sized) {
    const { ours, reference } = point;
    const slower =
      ours.p50 !== null && reference.p50 !== null && reference.p50 > 0
        ? `${(ours.p50 / reference.p50).toFixed(2)}×`
        : '–';
    lines.push(
      `| ${markets.toLocaleString('en-US')} | ${record.oursLabel} | ${num(reference.p50)} / ${num(reference.p95)} | ${num(ours.p50)} / ${num(ours.p95)} | ${slower} | ${cpuSummaryCell(record)} |`,
    );
  }
  return lines;
}

export function plotFiles(name: string): { latency: string; throughput: string } {
  return { latency: `${name}-latency.svg`, throughput: `${name}-throughput.svg` };
}

export function latencyPlot(r: ScenarioRecord): string {
  const xs = r.points.map((p) => p.connections);
  return lineChart({
    title: `${r.name}: latency vs connections`,
    xLabel: 'connections',
    yLabel: 'latency (ms)',
    xs,
    series: [
      { label: `${r.oursLabel} p50`, color: COLORS.ours, values: r.points.map((p) => p.ours.p50) },
      {
        label: `${r.oursLabel} p99`,
        color: COLORS.ours,
        dashed: true,
        values: r.points.map((p) => p.ours.p99),
      },
      {
        label: `${r.referenceLabel} p50`,
        color: COLORS.reference,
        values: r.points.map((p) => p.reference.p50),
      },
      {
        label: `${r.referenceLabel} p99`,
        color: COLORS.reference,
        dashed: true,
        values: r.points.map((p) => p.reference.p99),
      },
    ],
  });
}

export function throughputPlot(r: ScenarioRecord): string {
  return lineChart({
    title: `${r.name}: requests per second vs connections`,
    xLabel: 'connections',
    yLabel: 'requests / s',
    xs: r.points.map((p) => p.connections),
    series: [
      { label: r.oursLabel, color: COLORS.ours, values: r.points.map((p) => p.ours.rps) },
      {
        label: r.referenceLabel,
        color: COLORS.reference,
        values: r.points.map((p) => p.reference.rps),
      },
    ],
  });
}

/** Server CPU µs per request of each side, averaged over the levels; null if not measured. */
function cpuMeans(r: ScenarioRecord): { ours: number | null; ref: number | null } {
  const mean = (values: Array<number | null | undefined>) => {
    const known = values.filter((v): v is number => typeof v === 'number' && v > 0);
    return known.length === values.length && known.length > 0
      ? known.reduce((a, b) => a + b, 0) / known.length
      : null;
  };
  return {
    ours: mean(r.points.map((p) => p.ours.cpuUsPerRequest)),
    ref: mean(r.points.map((p) => p.reference.cpuUsPerRequest)),
  };
}

/**
 * The summary's CPU cell: ours / reference µs per request. A reference with no server
 * process of its own to measure (pgbench: the work is PostgreSQL's) shows a dash.
 */
export function cpuSummaryCell(r: ScenarioRecord): string {
  const { ours, ref } = cpuMeans(r);
  if (ours === null) return '–';
  return `${ours.toFixed(0)} / ${ref === null ? '–' : ref.toFixed(0)}`;
}

/** Server CPU per request, averaged over levels: robust to a load generator that caps req/s. */
export function cpuCostLine(r: ScenarioRecord): string | null {
  const { ours, ref } = cpuMeans(r);
  if (ours === null || ref === null) return null;
  return (
    `Server CPU per request, averaged over the levels: ${r.oursLabel} ${ours.toFixed(1)} µs, ` +
    `${r.referenceLabel} ${ref.toFixed(1)} µs, so one request costs ${(ours / ref).toFixed(1)}× ` +
    `the reference’s CPU (${((ref / ours) * 100).toFixed(0)} % efficiency on one core).`
  );
}

function scenarioSection(r: ScenarioRecord): string {
  const plots = plotFiles(r.name);
  const lines: string[] = [
    `## ${r.name}`,
    '',
    r.description,
    '',
    `**Target:** ${r.target.text} (${targetText(r.target)} ${judgedLevels(r.target)}). ` +
      `**Met: ${r.met ? 'yes' : 'no'}.**`,
    '',
    `Last run ${r.date.slice(0, 16).replace('T', ' ')} UTC: \`${r.command}\` — ` +
      `${r.settings.duration} s per side and level in ${r.settings.rounds ?? 1} alternating ` +
      `slices, after ${r.settings.warmup} s of warm-up, ` +
      `${r.settings.pinned ? 'servers on CPU 0, load generator on CPU 1' : 'no CPU pinning'}; ` +
      `${machineLine(r)}.`,
    '',
    '| connections | server | req/s | p50 ms | p95 ms | p99 ms | server CPU µs/req | errors / non-2xx | ratio | target | met |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
  ];
  for (const p of r.points) {
    const m = p.ours;
    const ref = p.reference;
    lines.push(
      `| ${p.connections} | ${r.oursLabel} | ${rps(m.rps)} | ${num(m.p50)} | ${num(m.p95)} | ${num(m.p99)} | ${num(m.cpuUsPerRequest ?? null, 1)} | ${errorsCell(m)} | ${p.ratio.toFixed(2)} | ${targetText(r.target)} | ${p.met ? 'yes' : 'no'} |`,
      `| ${p.connections} | ${r.referenceLabel} | ${rps(ref.rps)} | ${num(ref.p50)} | ${num(ref.p95)} | ${num(ref.p99)} | ${num(ref.cpuUsPerRequest ?? null, 1)} | ${errorsCell(ref)} | | | |`,
    );
  }
  const cost = cpuCostLine(r);
  if (cost) lines.push('', cost);
  lines.push(
    '',
    `![${r.name}: latency p50 and p99 vs connections](plots/${plots.latency})`,
    `![${r.name}: requests per second vs connections](plots/${plots.throughput})`,
    '',
  );
  const labels = { ours: r.oursLabel, reference: r.referenceLabel };
  const notes = [...r.notes, ...saturationNotes(r.points, labels), ...noiseNotes(r.points, labels)];
  if (notes.length > 0) lines.push(...notes.map((n) => `- ${n}`), '');
  return lines.join('\n');
}

/** The whole docs/benchmarks.md, from the last record of every scenario. */
export function renderMarkdown(records: ScenarioRecord[], appendix?: string): string {
  const latest = [...records].sort((a, b) => b.date.localeCompare(a.date))[0];
  const parts: string[] = [
    '# Benchmarks',
    '',
    '<!-- Generated by `npm run bench` (bench/lib/report.ts) from docs/bench-data/*.json. Do not edit by hand. -->',
    '',
    'Each scenario measures one path of this API side by side with a **reference**: the least ' +
      'code that gives the same answer (a bare Fastify server, a raw Redis GET, pgbench running ' +
      'the same SQL). Both run in the same invocation, on the same machine, alternately at each ' +
      'connection level, so the ratio between them is what to read; absolute numbers depend on ' +
      'the machine. Timings are never asserted in tests.',
    '',
    '## Reproduce',
    '',
    'With Node.js 20, PostgreSQL and Redis installed:',
    '',
    '```bash',
    REPRODUCE_COMMAND,
    '```',
    '',
    '`npm run bench` builds, then `dist/bench/run.js` creates the database `market_bench` if ' +
      'missing, starts the real API (`node dist/src/main.js`, `APP_ROLE=api`, `LOG_LEVEL=warn`, ' +
      '`EMBEDDINGS_PROVIDER=none` so it holds no vector index, ' +
      'Redis prefix `bench`, rate limits so high that the limiter counts but never blocks) and ' +
      'the reference servers as child processes on free ports, runs every load in a child ' +
      'process of its own, and stops them all at the end (also on error or Ctrl-C). Options: ' +
      '`--only <a,b>`, `--duration <s>` (default 6), `--connections <n,m>` (default 10,50), ' +
      '`--rounds <n>` (default 4), `--warmup <s>` (default 4), `--no-pin`, `--list`, ' +
      '`--report-only` (rebuild this page from the kept data). With the defaults a scenario ' +
      'takes about 40 s and the whole run (every scenario, seeding an empty database ' +
      'included) about 12 minutes on 2 cores; for steadier numbers use `--duration 10 ' +
      '--warmup 8` or more. The data-dependent scenarios seed the bench database once to ' +
      '200,000 markets (`npm run seed`, about 30 s) and reuse it; search seeds databases of ' +
      'its own (`BENCH_SEARCH_SIZES`, default `10000,100000`), and so does the list at each ' +
      'size but 200,000 (`market_bench_list_10k`, `_50k`; `BENCH_LIST_SIZES`, default ' +
      '`10000,50000,200000`), each seeded once; settlement recreates ' +
      '`market_bench_settlement`. `BENCH_DATABASE_URL`, `BENCH_REDIS_PREFIX` and ' +
      '`BENCH_JWT_SECRET` override the database, the Redis key prefix and the API’s JWT ' +
      'secret. Raw results (every slice) go to ' +
      '`bench/results/<scenario>.json` (not committed); the summary of the last run of each ' +
      'scenario is kept in `docs/bench-data/<scenario>.json`, from which this page and the plots ' +
      'in `docs/plots/` are rebuilt, so running one scenario keeps the others’ sections.',
    '',
    '## Load generator',
    '',
    '[autocannon](https://github.com/mcollina/autocannon) 9 (a dev dependency), driven by ' +
      '`bench/load.ts` in a process of its own, so it never shares an event loop with the ' +
      'orchestrator or a server under test. It keeps a fixed number of HTTP/1.1 keep-alive ' +
      'connections busy (closed loop: a connection sends its next request when the previous ' +
      'answer arrives), and its programmatic API reports every response, so each response time ' +
      'is recorded into a histogram with 0.5 % buckets (so slices can be merged), rather than ' +
      'read from autocannon’s own whole-millisecond histogram, which has no p95. Being JavaScript it needs about a core for itself: on a machine with ' +
      'two or more cores the servers under test are pinned to CPU 0 and the load generator to ' +
      'CPU 1 (`taskset`; PostgreSQL and Redis are not pinned), so ours and the reference get the ' +
      'same single core, and each run records the generator’s CPU use: above 90 % of its core ' +
      'the section notes that the measured req/s is a lower bound. ' +
      '[wrk](https://github.com/wg/wrk) (`apt-get install -y wrk`) is the alternative if the ' +
      'generator becomes the bottleneck: it is C and cheaper per request, but request bodies ' +
      'and per-request variation need Lua scripts, and it is a system package rather than part ' +
      'of the npm install.',
    '',
    '## Method',
    '',
    '- One warm-up run of each side at the highest connection level (discarded; 4 s by ' +
      'default; 3 s left a freshly started API visibly slower in its first measured run, ' +
      'but scenarios after the first run on an API that is already warm).',
    '- At each connection level each side is measured for `--duration` seconds in `--rounds` ' +
      'slices that alternate (ours, reference, reference, ours, …), so a burst of background ' +
      'load or slow drift hits both sides alike rather than one whole run; each side’s slices ' +
      'are merged (requests and time summed, latency histograms added).',
    '- req/s is completed responses divided by the measured time; latency is measured by ' +
      'the client per response. ratio = our req/s ÷ the reference’s req/s.',
    '- A level counts as met only if neither side had connection errors or non-2xx answers.',
    '- The load generator also reads `/proc` around each run: the CPU time of the server ' +
      'process under test (all its threads) divided by the requests it completed gives ' +
      '**server CPU µs/req**, the cost of the code path, which holds even when the load ' +
      'generator or a neighbour capped req/s; the machine’s remaining busy time (minus server ' +
      'and generator) is background load, and a section says so when it reached 0.3 cores.',
    '',
  ];
  if (latest) {
    const m = latest.machine;
    parts.push(
      '## Machine',
      '',
      `Of the most recent run (${latest.date.slice(0, 10)}); each section names its own.`,
      '',
      '| | |',
      '| --- | --- |',
      `| CPU | ${m.cpuModel} |`,
      `| cores | ${m.cores} |`,
      `| memory | ${m.memoryGiB} GiB |`,
      `| OS | ${m.os} |`,
      `| Node.js | ${m.node} |`,
      `| PostgreSQL | ${m.postgres} |`,
      `| Redis | ${m.redis} |`,
      `| autocannon | ${m.autocannon} |`,
      `| pgbench | ${m.pgbench} |`,
      '',
      '## Summary',
      '',
      '| scenario | ours vs reference | target | ratio per connection level | server CPU µs/req, ours / reference | met |',
      '| --- | --- | --- | --- | --- | --- |',
    );
    for (const r of records) {
      const ratios = r.points.map((p) => `${p.connections}: ${p.ratio.toFixed(2)}`).join(', ');
      parts.push(
        `| [${r.name}](#${r.name}) | ${r.oursLabel} vs ${r.referenceLabel} | ${targetText(r.target)} | ${ratios} | ${cpuSummaryCell(r)} | ${r.met ? 'yes' : 'no'} |`,
      );
    }
    parts.push('');
    const searchPlot = dataSizePlot(records);
    const listPlot = listSizePlot(records);
    if (searchPlot || listPlot) parts.push('### Cost vs data size', '');
    if (searchPlot) {
      parts.push(
        'Search latency with one client as the number of markets grows (from the `search-10k` ' +
          'and `search-100k` sections below).',
        '',
        `![search: latency vs number of markets](plots/${DATA_SIZE_PLOT})`,
        '',
      );
    }
    if (listPlot) {
      parts.push(
        '`GET /api/markets?limit=20` with one client as the number of markets grows: page 1 and ' +
          'the deepest cursor page of each size (its last page, at most page 10,000), from the ' +
          '`market-list-<n>k` sections below. Server CPU per request is averaged over every ' +
          'connection level of the section.',
        '',
        ...listSizeTable(records),
        '',
        `![market list: latency vs number of markets](plots/${LIST_SIZE_PLOT})`,
        '',
      );
    }
  } else {
    parts.push('No scenario has been run yet.', '');
  }
  for (const r of records) parts.push(scenarioSection(r));
  if (appendix) parts.push(appendix.trim(), '');
  return `${parts.join('\n')}\n`;
}

/** Reads every `docs/bench-data/*.json`, ordered by `order` (scenario registry), then name. */
export async function readRecords(dataDir: string, order: string[]): Promise<ScenarioRecord[]> {
  const files = await readdir(dataDir)
    .then((all) => all.filter((f) => f.endsWith('.json')))
    .catch(() => []);
  const records = await Promise.all(
    files.map(async (f) => JSON.parse(await readFile(join(dataDir, f), 'utf8')) as ScenarioRecord),
  );
  const rank = (name: string) => {
    const i = order.indexOf(name);
    return i === -1 ? order.length : i;
  };
  return records.sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
}

/** Regenerates docs/benchmarks.md and every scenario's plots from docs/bench-data. */
export async function writeDocs(docsDir: string, order: string[]): Promise<ScenarioRecord[]> {
  const records = await readRecords(join(docsDir, 'bench-data'), order);
  await mkdir(join(docsDir, 'plots'), { recursive: true });
  for (const r of records) {
    const files = plotFiles(r.name);
    await writeFile(join(docsDir, 'plots', files.latency), latencyPlot(r));
    await writeFile(join(docsDir, 'plots', files.throughput), throughputPlot(r));
  }
  const sizePlot = dataSizePlot(records);
  if (sizePlot) await writeFile(join(docsDir, 'plots', DATA_SIZE_PLOT), sizePlot);
  const listPlot = listSizePlot(records);
  if (listPlot) await writeFile(join(docsDir, 'plots', LIST_SIZE_PLOT), listPlot);
  // Hand-written sections (profiling) kept beside the data, appended after the scenarios.
  const appendix = await readFile(join(docsDir, 'bench-data', 'appendix.md'), 'utf8').catch(
    () => undefined,
  );
  const path = join(docsDir, 'benchmarks.md');
  await writeFile(path, await prettierFormat(renderMarkdown(records, appendix), path));
  return records;
}
