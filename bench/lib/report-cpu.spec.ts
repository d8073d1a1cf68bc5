// The summary's CPU column. No timings are asserted: only how measured values are reported.
import { cpuSummaryCell, renderMarkdown } from './report';
import type { Measurement, ScenarioRecord } from './types';

const measured = (rps: number, cpuUsPerRequest?: number): Measurement => ({
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
  cpuUsPerRequest,
});

function record(cpu: Array<[number, number] | undefined>): ScenarioRecord {
  return {
    name: 'health',
    description: 'health description',
    target: { kind: 'throughput-ratio', min: 0.5, text: 'ours ≥ 50 %' },
    oursLabel: 'ours',
    referenceLabel: 'ref',
    points: cpu.map((pair, i) => ({
      connections: 10 * (i + 1),
      ours: measured(800, pair?.[0]),
      reference: measured(1000, pair?.[1]),
      ratio: 0.8,
      met: true,
    })),
    met: true,
    notes: [],
    command: 'npm run bench -- --only health',
    date: '2026-01-02T00:00:00Z',
    settings: { duration: 10, rounds: 4, warmup: 8, connections: [10, 20], pinned: true },
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
  };
}

describe('summary CPU per request', () => {
  it('averages each side over the levels', () => {
    expect(
      cpuSummaryCell(
        record([
          [60, 15],
          [80, 25],
        ]),
      ),
    ).toBe('70 / 20');
  });

  it('shows a dash when a level lacks the measurement', () => {
    expect(cpuSummaryCell(record([[60, 15], undefined]))).toBe('–');
  });

  it('shows ours alone when the reference has no server to measure (pgbench)', () => {
    const r = record([
      [3000, 10],
      [3200, 10],
    ]);
    for (const p of r.points) p.reference.cpuUsPerRequest = null;
    expect(cpuSummaryCell(r)).toBe('3100 / –');
  });

  it('puts the cell in the summary row of the scenario', () => {
    const md = renderMarkdown([
      record([
        [60, 15],
        [80, 25],
      ]),
    ]);
    expect(md).toContain('server CPU µs/req, ours / reference');
    expect(md).toMatch(/\| \[health\]\(#health\) \|.*\| 70 \/ 20 \| yes \|/);
  });
});
