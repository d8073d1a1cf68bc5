// Pure parts of the harness. No timings are asserted anywhere: benchmarks report, tests check logic.
import { UsageError, parseArgs } from './args';
import { parsePgbenchSummary } from './pgbench';
import {
  DATA_SIZE_PLOT,
  LIST_SIZE_PLOT,
  REPRODUCE_COMMAND,
  cpuCostLine,
  dataSizePlot,
  listSizePlot,
  listSizeTable,
  renderMarkdown,
  sizedPoints,
} from './report';
import {
  LatencyRecorder,
  histogramPercentile,
  mergeMeasurements,
  percentile,
  toHistogram,
} from './stats';
import { lineChart, niceStep } from './svg';
import { evaluate, noiseNotes, saturationNotes } from './targets';
import type { Measurement, ScenarioRecord } from './types';

const m = (rps: number, extra: Partial<Measurement> = {}): Measurement => ({
  rps,
  p50: 1,
  p95: 2,
  p99: 3,
  mean: 1.2,
  max: 9,
  total: rps * 10,
  errors: 0,
  non2xx: 0,
  durationS: 10,
  ...extra,
});

describe('parseArgs', () => {
  it('has the documented defaults', () => {
    expect(parseArgs([], true)).toMatchObject({
      only: null,
      duration: 6,
      warmup: 4,
      connections: [10, 50],
      pin: true,
    });
  });

  it('reads both flag forms, sorts and dedupes connection levels', () => {
    const args = parseArgs(['--only', 'health,list', '--duration=5', '--connections', '50,10,50']);
    expect(args).toMatchObject({ only: ['health', 'list'], duration: 5, connections: [10, 50] });
    expect(parseArgs(['--no-pin'], true).pin).toBe(false);
  });

  it('rejects unknown flags and bad numbers', () => {
    expect(() => parseArgs(['--fast'])).toThrow(UsageError);
    expect(() => parseArgs(['--connections', '10,x'])).toThrow(UsageError);
    expect(() => parseArgs(['--connections', '0'])).toThrow(UsageError);
    expect(() => parseArgs(['--duration', '0.5'])).toThrow(UsageError);
  });
});

describe('percentiles', () => {
  it('uses the nearest rank', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 95)).toBe(95);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
  });

  it('summarizes recorded values beyond the initial capacity', () => {
    const recorder = new LatencyRecorder();
    for (let i = 200_000; i >= 1; i--) recorder.record(i / 1000);
    expect(recorder.size).toBe(200_000);
    expect(recorder.summary()).toMatchObject({ p50: 100, p99: 198, max: 200 });
    expect(new LatencyRecorder().summary().p50).toBeNull();
  });
});

describe('histograms and merged slices', () => {
  it('gives percentiles within the bucket width', () => {
    const values = Array.from({ length: 10_000 }, (_, i) => (i + 1) / 100); // 0.01 … 100 ms
    const h = toHistogram(values);
    for (const [p, exact] of [
      [50, 50],
      [95, 95],
      [99, 99],
    ] as const) {
      expect(Math.abs(histogramPercentile(h, p)! - exact) / exact).toBeLessThan(0.005);
    }
    expect(histogramPercentile({}, 50)).toBeNull();
  });

  it('merges slices: counts add, req/s over total time, percentiles over all responses', () => {
    const slow = new LatencyRecorder();
    const fast = new LatencyRecorder();
    for (let i = 0; i < 900; i++) fast.record(1);
    for (let i = 0; i < 100; i++) slow.record(10);
    const merged = mergeMeasurements([
      m(90, { total: 900, durationS: 10, histogram: fast.histogram(), serverCpu: 1 }),
      m(10, { total: 100, durationS: 10, histogram: slow.histogram(), serverCpu: 0.5 }),
    ]);
    expect(merged.rps).toBe(50);
    expect(merged.total).toBe(1000);
    expect(merged.p50).toBeCloseTo(1, 1);
    expect(merged.p95).toBeCloseTo(10, 0);
    expect(merged.serverCpu).toBe(0.75);
    expect(merged.cpuUsPerRequest).toBe(15000);
  });
});

describe('targets', () => {
  const target = { kind: 'throughput-ratio', min: 0.5, text: '≥ 50 %' } as const;

  it('computes the ratio and meets only when every level does', () => {
    const result = evaluate(target, [
      { connections: 10, ours: m(600), reference: m(1000) },
      { connections: 50, ours: m(400), reference: m(1000) },
    ]);
    expect(result.points.map((p) => [p.ratio, p.met])).toEqual([
      [0.6, true],
      [0.4, false],
    ]);
    expect(result.met).toBe(false);
  });

  it('judges a latency target with a reference bound at its one connection level', () => {
    const latency = {
      kind: 'latency-max',
      percentile: 'p95',
      maxMs: 100,
      referenceMaxMs: 50,
      atConnections: 1,
      text: 'one client',
    } as const;
    const at = (oursP95: number, referenceP95: number) =>
      evaluate(latency, [
        { connections: 1, ours: m(30, { p95: oursP95 }), reference: m(30, { p95: referenceP95 }) },
        { connections: 10, ours: m(60, { p95: 400 }), reference: m(60, { p95: 300 }) },
      ]);
    const met = at(90, 40);
    expect(met.points.map((p) => p.met)).toEqual([true, false]);
    expect(met.met).toBe(true);
    expect(at(90, 60).met).toBe(false);
    expect(at(110, 40).met).toBe(false);
  });

  it('never counts a level with errors or non-2xx answers as met', () => {
    const result = evaluate(target, [
      { connections: 10, ours: m(900, { non2xx: 3 }), reference: m(1000) },
    ]);
    expect(result.met).toBe(false);
  });

  it('notes a saturated load generator', () => {
    const [point] = evaluate(target, [
      { connections: 10, ours: m(600), reference: m(1000, { generatorCpu: 0.97 }) },
    ]).points;
    const notes = saturationNotes([point], { ours: 'ours', reference: 'raw' });
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain('raw');
  });

  it('notes background load only above the threshold', () => {
    const labels = { ours: 'ours', reference: 'raw' };
    const quiet = evaluate(target, [
      { connections: 10, ours: m(600, { otherCpu: 0.1 }), reference: m(1000, { otherCpu: 0 }) },
    ]).points;
    expect(noiseNotes(quiet, labels)).toEqual([]);
    const busy = evaluate(target, [
      { connections: 10, ours: m(600, { otherCpu: 0.9 }), reference: m(1000) },
    ]).points;
    expect(noiseNotes(busy, labels)[0]).toContain('0.90 cores');
    expect(noiseNotes(busy, labels)[0]).toContain('ours at 10 connections');
  });
});

describe('pgbench summary', () => {
  it('reads tps, latency, processed and failed transactions', () => {
    const stdout = [
      'transaction type: script.sql',
      'number of transactions actually processed: 136743',
      'number of failed transactions: 2 (0.001%)',
      'latency average = 0.058 ms',
      'initial connection time = 3.200 ms',
      'tps = 68519.090120 (without initial connection time)',
    ].join('\n');
    expect(parsePgbenchSummary(stdout)).toEqual({
      tps: 68519.09012,
      latencyAverageMs: 0.058,
      processed: 136743,
      failed: 2,
    });
    expect(() => parsePgbenchSummary('error')).toThrow(/no tps/);
  });
});

describe('svg charts', () => {
  it('picks round steps', () => {
    expect(niceStep(100)).toBe(20);
    expect(niceStep(48_000)).toBe(10_000);
    expect(niceStep(0)).toBe(1);
  });

  it('draws one polyline per series, a marker per value and escapes labels', () => {
    const svg = lineChart({
      title: 'a <b> & c',
      xLabel: 'connections',
      yLabel: 'ms',
      xs: [10, 50, 100],
      series: [
        { label: 'ours', color: '#000', values: [1, 2, 3] },
        { label: 'ref', color: '#f00', dashed: true, values: [1, null, 2] },
      ],
    });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).not.toContain('<b>');
    expect(svg.match(/<polyline/g)).toHaveLength(1); // the gap leaves single points unjoined
    expect(svg.match(/<circle/g)).toHaveLength(5);
  });
});

describe('renderMarkdown', () => {
  const record = (name: string, date: string): ScenarioRecord => ({
    name,
    description: `${name} description`,
    target: { kind: 'throughput-ratio', min: 0.5, text: 'ours ≥ 50 %' },
    oursLabel: 'ours',
    referenceLabel: 'ref',
    points: evaluate({ kind: 'throughput-ratio', min: 0.5, text: '' }, [
      { connections: 10, ours: m(800), reference: m(1000) },
    ]).points,
    met: true,
    notes: [],
    command: `npm run bench -- --only ${name}`,
    date,
    settings: { duration: 10, rounds: 4, warmup: 8, connections: [10], pinned: true },
    machine: {
      cpuModel: 'CPU X',
      cores: 2,
      memoryGiB: 8,
      os: 'Linux',
      node: 'v20',
      postgres: '15',
      redis: '7',
      autocannon: '9.0.0',
      pgbench: '15',
    },
  });

  it('keeps a section per record, with its table, plots and the reproduce command', () => {
    const md = renderMarkdown([
      record('health', '2026-01-02T00:00:00Z'),
      record('list', '2026-01-01T00:00:00Z'),
    ]);
    expect(md).toContain('## health');
    expect(md).toContain('## list');
    expect(md).toContain('plots/list-latency.svg');
    expect(md).toContain(REPRODUCE_COMMAND);
    expect(md).toContain('| 10 | ours | 800 |');
    expect(md).toContain('0.80');
  });

  it('compares server CPU per request when both sides measured it', () => {
    const r = record('health', '2026-01-02T00:00:00Z');
    expect(cpuCostLine(r)).toBeNull();
    r.points = r.points.map((p) => ({
      ...p,
      ours: { ...p.ours, cpuUsPerRequest: 60 },
      reference: { ...p.reference, cpuUsPerRequest: 15 },
    }));
    expect(cpuCostLine(r)).toContain('4.0×');
  });

  describe('cost vs data size', () => {
    /** A sized record with a one-client point (deep page p50 = page 1 p50 × `slower`). */
    const sized = (name: string, p50: number, slower = 1, levels = [1, 10]): ScenarioRecord => {
      const r = record(name, '2026-01-03T00:00:00Z');
      r.oursLabel = 'cursor page 500';
      r.referenceLabel = 'page 1';
      r.points = evaluate({ kind: 'throughput-ratio', min: 0.83, text: '' }, [
        ...levels.map((connections) => ({
          connections,
          ours: m(900, { p50: p50 * slower, p95: p50 * slower * 2, cpuUsPerRequest: 110 }),
          reference: m(1000, { p50, p95: p50 * 2, cpuUsPerRequest: 100 }),
        })),
      ]).points;
      return r;
    };

    it('picks the sized records of one family by their one-client point, smallest first', () => {
      const records = [
        sized('market-list-200k', 3),
        sized('market-list-10k', 1),
        sized('market-list-50k', 2, 1, [10]), // no one-client point: left out
        sized('market-list', 9),
        sized('market-list-offset', 9),
        sized('search-10k', 5),
      ];
      expect(sizedPoints(records, 'market-list').map((x) => x.markets)).toEqual([10_000, 200_000]);
      expect(sizedPoints(records, 'search').map((x) => x.record.name)).toEqual(['search-10k']);
    });

    it('plots the list only from two sizes on, with p50 and p95 of both pages', () => {
      expect(listSizePlot([sized('market-list-10k', 1)])).toBeNull();
      const svg = listSizePlot([sized('market-list-10k', 1), sized('market-list-50k', 2)])!;
      expect(svg).toContain('market list: latency vs number of markets');
      for (const label of [
        'deep cursor page p50',
        'deep cursor page p95',
        'page 1 p50',
        'page 1 p95',
      ]) {
        expect(svg).toContain(label);
      }
      expect(svg.match(/<polyline/g)).toHaveLength(4);
      // The search plot ignores list records.
      expect(dataSizePlot([sized('market-list-10k', 1), sized('market-list-50k', 2)])).toBeNull();
    });

    it('tabulates one-client latency, the deep-to-first ratio and CPU per request', () => {
      const table = listSizeTable([sized('market-list-10k', 2, 1.5)]);
      expect(table).toHaveLength(3);
      expect(table[2]).toBe(
        '| 10,000 | cursor page 500 | 2.00 / 4.00 | 3.00 / 6.00 | 1.50× | 110 / 100 |',
      );
      expect(listSizeTable([record('health', '2026-01-02T00:00:00Z')])).toEqual([]);
    });

    it('shows the list plot and table in the summary when two sizes ran', () => {
      const one = renderMarkdown([sized('market-list-10k', 1)]);
      expect(one).not.toContain(LIST_SIZE_PLOT);
      const md = renderMarkdown([sized('market-list-10k', 1), sized('market-list-50k', 2)]);
      expect(md).toContain('### Cost vs data size');
      expect(md).toContain(`plots/${LIST_SIZE_PLOT}`);
      expect(md).toContain('| 50,000 | cursor page 500 |');
      expect(md).not.toContain(`(plots/${DATA_SIZE_PLOT})`); // no search records
    });
  });
});
