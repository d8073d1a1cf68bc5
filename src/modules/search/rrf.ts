/** The k of reciprocal rank fusion; 60 is the value of Cormack et al. (SIGIR 2009). */
export const RRF_K = 60;

/** One ranked list of ids, best first, and the name of what produced it. */
export interface RankedList<S extends string> {
  source: S;
  ids: readonly string[];
  /** This list's k, when it differs from the fusion's (a smaller k trusts its top ranks more). */
  k?: number;
}

export interface FusedResult<S extends string> {
  id: string;
  /** Σ 1 / (k + rank) over the lists that contain the id; ranks start at 1. */
  score: number;
  /** The lists that contain the id, in the order the lists were given. */
  matchedBy: S[];
}

/**
 * Reciprocal rank fusion: each list gives an id `1 / (k + rank)` and the sums are sorted,
 * highest first. Only ranks count, not the lists' own scores, so lists whose scores are not
 * comparable (text rank, cosine similarity) fuse without calibration, and an id that several
 * lists rank well beats one that a single list ranks first.
 *
 * Ties keep the order of first appearance, reading the lists in the order given, so the
 * result is deterministic. A repeated id within one list counts at its first (best) rank.
 */
export function reciprocalRankFusion<S extends string>(
  lists: readonly RankedList<S>[],
  k = RRF_K,
): FusedResult<S>[] {
  const fused = new Map<string, FusedResult<S>>();
  for (const list of lists) {
    const seen = new Set<string>();
    list.ids.forEach((id, index) => {
      if (seen.has(id)) return;
      seen.add(id);
      const contribution = 1 / ((list.k ?? k) + index + 1);
      const entry = fused.get(id);
      if (entry) {
        entry.score += contribution;
        if (!entry.matchedBy.includes(list.source)) entry.matchedBy.push(list.source);
      } else {
        fused.set(id, { id, score: contribution, matchedBy: [list.source] });
      }
    });
  }
  // Array.prototype.sort is stable: equal scores keep their insertion order.
  return [...fused.values()].sort((a, b) => b.score - a.score);
}
