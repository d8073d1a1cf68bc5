import { round } from './stats';
import type { ComparisonPoint, Measurement, Target } from './types';

/** A measurement with errors or non-2xx answers measured something else: never "met". */
export function isClean(m: Measurement): boolean {
  return m.errors === 0 && m.non2xx === 0 && m.total > 0;
}

export function ratioOf(ours: Measurement, reference: Measurement): number {
  return reference.rps > 0 ? round(ours.rps / reference.rps, 3) : 0;
}

export function meetsTarget(target: Target, ours: Measurement, reference: Measurement): boolean {
  if (!isClean(ours) || !isClean(reference)) return false;
  switch (target.kind) {
    case 'throughput-ratio':
      return ratioOf(ours, reference) >= target.min;
    case 'latency-max': {
      const within = (m: Measurement, maxMs: number | undefined) =>
        maxMs === undefined || (m[target.percentile] ?? Infinity) <= maxMs;
      return within(ours, target.maxMs) && within(reference, target.referenceMaxMs);
    }
  }
}

export function evaluate(
  target: Target,
  points: Array<Omit<ComparisonPoint, 'ratio' | 'met'>>,
): { points: ComparisonPoint[]; met: boolean } {
  const evaluated = points.map((p) => ({
    ...p,
    ratio: ratioOf(p.ours, p.reference),
    met: meetsTarget(target, p.ours, p.reference),
  }));
  const judged =
    target.kind === 'latency-max' && target.atConnections !== undefined
      ? evaluated.filter((p) => p.connections === target.atConnections)
      : evaluated;
  return { points: evaluated, met: judged.length > 0 && judged.every((p) => p.met) };
}

/** Load generator at or above this share of a core: it, not the server, may be the limit. */
export const GENERATOR_SATURATED = 0.9;

/** Notes for runs where the load generator was busy enough to cap the measured req/s. */
export function saturationNotes(
  points: ComparisonPoint[],
  labels: { ours: string; reference: string },
): string[] {
  const notes: string[] = [];
  for (const p of points) {
    for (const side of ['ours', 'reference'] as const) {
      const cpu = p[side].generatorCpu;
      if (cpu !== undefined && cpu >= GENERATOR_SATURATED) {
        notes.push(
          `At ${p.connections} connections the load generator used ${Math.round(cpu * 100)} % ` +
            `of its core while measuring ${labels[side]}: that req/s is a lower bound` +
            (side === 'reference' ? ', so the true ratio is at most the one shown.' : '.'),
        );
      }
    }
  }
  return notes;
}

/** Other processes above this many cores during a run make its numbers noisy. */
export const BACKGROUND_NOISY = 0.3;

/** Notes for runs during which the rest of the machine was busy (other load, neighbours). */
export function noiseNotes(
  points: ComparisonPoint[],
  labels: { ours: string; reference: string },
): string[] {
  const noisy: string[] = [];
  let worst = 0;
  for (const p of points) {
    const sides = (['ours', 'reference'] as const).filter((side) => {
      const other = p[side].otherCpu ?? 0;
      worst = Math.max(worst, other >= BACKGROUND_NOISY ? other : 0);
      return other >= BACKGROUND_NOISY;
    });
    if (sides.length > 0) {
      noisy.push(`${sides.map((s) => labels[s]).join(' and ')} at ${p.connections} connections`);
    }
  }
  if (noisy.length === 0) return [];
  return [
    `Other processes on the machine kept up to ${worst.toFixed(2)} cores busy (averaged over ` +
      `the slices) while measuring ${noisy.join('; ')}: those numbers are noisy, rerun on a ` +
      'quiet machine. Server CPU µs/req is the steadier figure then.',
  ];
}
