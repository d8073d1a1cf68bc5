import type { Measurement } from './types';

/** Growable list of latencies (ms) with exact percentiles. */
export class LatencyRecorder {
  private values = new Float64Array(1 << 16);
  private count = 0;

  record(ms: number): void {
    if (this.count === this.values.length) {
      const bigger = new Float64Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.count++] = ms;
  }

  get size(): number {
    return this.count;
  }

  histogram(): LatencyHistogram {
    return toHistogram(this.values.subarray(0, this.count));
  }

  /** p50/p95/p99, mean and max in ms, or nulls when nothing was recorded. */
  summary(): {
    p50: number | null;
    p95: number | null;
    p99: number | null;
    mean: number | null;
    max: number | null;
  } {
    if (this.count === 0) return { p50: null, p95: null, p99: null, mean: null, max: null };
    const sorted = this.values.slice(0, this.count).sort();
    let sum = 0;
    for (const v of sorted) sum += v;
    return {
      p50: round(percentile(sorted, 50)),
      p95: round(percentile(sorted, 95)),
      p99: round(percentile(sorted, 99)),
      mean: round(sum / this.count),
      max: round(sorted[this.count - 1]),
    };
  }
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** Rounds to 3 decimals (µs resolution for ms values). */
export function round(value: number, decimals = 3): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

/** Log-bucket width of latency histograms: a bucket spans 0.5 %, so merged percentiles are that exact. */
export const HISTOGRAM_BASE = 1.005;
const LN_BASE = Math.log(HISTOGRAM_BASE);

/** Sparse histogram of latencies: bucket index → count (bucket k holds [BASE^k, BASE^(k+1)) ms). */
export type LatencyHistogram = Record<string, number>;

export function toHistogram(values: ArrayLike<number>): LatencyHistogram {
  const histogram: LatencyHistogram = {};
  for (let i = 0; i < values.length; i++) {
    const k = Math.floor(Math.log(Math.max(values[i], 0.0001)) / LN_BASE);
    histogram[k] = (histogram[k] ?? 0) + 1;
  }
  return histogram;
}

/** Nearest-rank percentile from a histogram, as the geometric middle of its bucket. */
export function histogramPercentile(histogram: LatencyHistogram, p: number): number | null {
  const buckets = Object.entries(histogram)
    .map(([k, n]) => [Number(k), n] as const)
    .sort((a, b) => a[0] - b[0]);
  const total = buckets.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (const [k, n] of buckets) {
    seen += n;
    if (seen >= rank) return round(HISTOGRAM_BASE ** (k + 0.5));
  }
  return null;
}

export function mergeHistograms(histograms: LatencyHistogram[]): LatencyHistogram {
  const merged: LatencyHistogram = {};
  for (const h of histograms) {
    for (const [k, n] of Object.entries(h)) merged[k] = (merged[k] ?? 0) + n;
  }
  return merged;
}

/**
 * One measurement from several slices of the same side and level: counts add up, req/s is
 * total over total time, CPU shares are time-weighted, percentiles come from the merged
 * histograms (or, lacking them, the slices' time-weighted mean).
 */
export function mergeMeasurements(slices: Measurement[]): Measurement {
  if (slices.length === 1) return slices[0];
  const sum = (f: (m: Measurement) => number) => slices.reduce((acc, m) => acc + f(m), 0);
  const durationS = sum((m) => m.durationS);
  const total = sum((m) => m.total);
  const weighted = (f: (m: Measurement) => number | null | undefined): number | null => {
    if (slices.some((m) => typeof f(m) !== 'number')) return null;
    return sum((m) => (f(m) as number) * m.durationS) / durationS;
  };
  const histograms = slices.map((m) => m.histogram);
  const merged = histograms.every((h): h is LatencyHistogram => h !== undefined)
    ? mergeHistograms(histograms)
    : null;
  const pct = (p: 50 | 95 | 99) => {
    if (merged) return histogramPercentile(merged, p);
    const w = weighted((m) => m[`p${p}`]);
    return w === null ? null : round(w);
  };
  const serverCpu = weighted((m) => m.serverCpu);
  const maxes = slices.map((m) => m.max).filter((v): v is number => v !== null);
  const opt = (v: number | null, digits: number) => (v === null ? null : round(v, digits));
  const generatorCpu = weighted((m) => m.generatorCpu);
  return {
    rps: round(total / durationS, 1),
    p50: pct(50),
    p95: pct(95),
    p99: pct(99),
    mean: total > 0 ? opt(sum((m) => (m.mean ?? 0) * m.total) / total, 3) : null,
    max: maxes.length > 0 ? Math.max(...maxes) : null,
    total,
    errors: sum((m) => m.errors),
    non2xx: sum((m) => m.non2xx),
    durationS: round(durationS),
    ...(generatorCpu === null ? {} : { generatorCpu: round(generatorCpu, 2) }),
    serverCpu: opt(serverCpu, 2),
    cpuUsPerRequest:
      serverCpu === null || total === 0 ? null : round((serverCpu * durationS * 1e6) / total, 1),
    otherCpu: opt(
      weighted((m) => m.otherCpu),
      2,
    ),
    ...(merged ? { histogram: merged } : {}),
  };
}
