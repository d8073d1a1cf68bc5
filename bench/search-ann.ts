/**
 * The vector index alone: usearch HNSW (the parameters HnswVectorIndex uses) against the exact
 * scan, on N vectors shaped like the built-in provider's (SIF-pooled word vectors of six
 * words drawn from the 30,000 most frequent, 100 dimensions). Reports build time, memory,
 * query latency and recall@10 against the exact top 10 as search uses the index (k = 100
 * unfiltered, k = 500 with a status filter) and for other search widths
 * (`expansion_search`), at each size given, so the table shows how the index grows (default 10k, 100k and 1M vectors; the 1M level
 * builds for a few minutes and needs about 1 GB of memory).
 *
 *   npm run build && node dist/bench/search-ann.js [vectors ...]   (default 10000 100000 1000000)
 *
 * A standalone script, not a `npm run bench` scenario and not a test: no database, the index
 * is what is measured. One JSON line per size follows the readable lines (for the docs
 * table); docs/search.md has the numbers.
 */
import { rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Index, MetricKind, ScalarKind } from 'usearch';
import { poolWordVectors } from '../src/modules/search/embeddings/local/local-embeddings.provider';
import { loadWordVectors, WordVectors } from '../src/modules/search/embeddings/local/word-vectors';
import {
  CANDIDATES_PER_LIST,
  SEMANTIC_PREFILTER_CANDIDATES,
} from '../src/modules/search/search-ranking';
import {
  HNSW_CONNECTIVITY,
  HNSW_EXPANSION_ADD,
  HNSW_EXPANSION_SEARCH,
} from '../src/modules/search/vectors/hnsw-vector-index';
import { normalize, topK } from '../src/modules/search/vectors/vector-math';

const QUERIES = 100;
const VOCABULARY = 30_000;

/** A deterministic PRNG (mulberry32), so runs compare. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeVectors(words: WordVectors, vocabulary: string[], n: number, seed: number) {
  const next = random(seed);
  const dims = words.dimensions;
  const matrix = new Float32Array(n * dims);
  for (let i = 0; i < n; i++) {
    const text = Array.from({ length: 6 }, () => vocabulary[Math.floor(next() * VOCABULARY)]);
    matrix.set(normalize(poolWordVectors(words, text.join(' '))), i * dims);
  }
  return matrix;
}

const percentile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

const stats = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: +percentile(sorted, 0.5).toFixed(2), p95: +percentile(sorted, 0.95).toFixed(2) };
};

/** Search widths compared at each size (usearch's `expansion_search`), with k = 100. */
const EXPANSION_SWEEP = [128, 256, 384, 512];

async function benchmark(n: number, words: WordVectors, vocabulary: string[]): Promise<void> {
  const dims = words.dimensions;
  const data = makeVectors(words, vocabulary, n, 1);
  const queries = makeVectors(words, vocabulary, QUERIES, 2);
  const config = {
    dimensions: dims,
    metric: MetricKind.Cos,
    quantization: ScalarKind.F32,
    multi: false,
    connectivity: HNSW_CONNECTIVITY,
    expansion_add: HNSW_EXPANSION_ADD,
    expansion_search: HNSW_EXPANSION_SEARCH,
  };
  const rssBefore = process.memoryUsage().rss;
  const index = new Index(config);
  const started = Date.now();
  const CHUNK = 10_000;
  for (let start = 0; start < n; start += CHUNK) {
    const end = Math.min(n, start + CHUNK);
    const keys = new BigUint64Array(end - start);
    for (let i = start; i < end; i++) keys[i - start] = BigInt(i);
    index.add(keys, data.subarray(start * dims, end * dims), 0);
  }
  const buildMs = Date.now() - started;
  const rssGrowth = process.memoryUsage().rss - rssBefore;

  const exactMs: number[] = [];
  const truth = Array.from({ length: QUERIES }, (_, q) => {
    const t0 = process.hrtime.bigint();
    const exact = topK(data, n, dims, queries.subarray(q * dims, (q + 1) * dims), 10, -1);
    exactMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
    return new Set(exact.map((r) => r.row));
  });
  /** Latency of a k-search and recall@10 of its best 10 (what semantic search keeps first). */
  const measure = (graph: Index, k: number) => {
    const ms: number[] = [];
    let hits = 0;
    for (let q = 0; q < QUERIES; q++) {
      const t0 = process.hrtime.bigint();
      const found = graph.search(queries.subarray(q * dims, (q + 1) * dims), k, 1);
      ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
      for (const key of found.keys.slice(0, 10)) if (truth[q].has(Number(key))) hits++;
    }
    return { ...stats(ms), recallAt10: +(hits / (QUERIES * 10)).toFixed(3) };
  };
  // As search uses it: k = CANDIDATES_PER_LIST unfiltered, SEMANTIC_PREFILTER_CANDIDATES with
  // a status filter (usearch searches max(expansion_search, k) candidates, so 500 is wider).
  const unfiltered = measure(index, CANDIDATES_PER_LIST);
  const filtered = measure(index, SEMANTIC_PREFILTER_CANDIDATES);
  // The same graph searched with other widths: expansion_search is not stored with the graph,
  // so a saved copy loaded into an index configured otherwise searches that wide.
  const file = join(tmpdir(), `search-ann-${process.pid}-${n}.usearch`);
  index.save(file);
  const sweep: Record<string, ReturnType<typeof measure>> = {};
  try {
    for (const expansion of EXPANSION_SWEEP) {
      const other = new Index({ ...config, expansion_search: expansion });
      other.load(file);
      sweep[expansion] = measure(other, CANDIDATES_PER_LIST);
    }
  } finally {
    await rm(file, { force: true });
  }
  const record = {
    vectors: n,
    dimensions: dims,
    connectivity: HNSW_CONNECTIVITY,
    expansionAdd: HNSW_EXPANSION_ADD,
    expansionSearch: HNSW_EXPANSION_SEARCH,
    buildSeconds: +(buildMs / 1000).toFixed(1),
    rssGrowthMb: Math.round(rssGrowth / 1e6),
    sourceVectorsMb: Math.round((n * dims * 4) / 1e6),
    exactMs: stats(exactMs),
    unfiltered,
    filtered,
    sweep,
    loadAverage: loadavg().map((l) => +l.toFixed(1)),
  };
  const line = (label: string, m: { p50: number; p95: number; recallAt10?: number }) =>
    `  ${label.padEnd(34)} p50 ${m.p50} ms, p95 ${m.p95} ms` +
    (m.recallAt10 === undefined ? '' : `, recall@10 ${m.recallAt10}`);
  console.log(
    `${n} vectors × ${dims}: build ${record.buildSeconds} s, RSS +${record.rssGrowthMb} MB ` +
      `(index + ${record.sourceVectorsMb} MB of source vectors), load average ${record.loadAverage.join(' ')}\n` +
      [
        line(`k=${CANDIDATES_PER_LIST} (unfiltered search)`, unfiltered),
        line(`k=${SEMANTIC_PREFILTER_CANDIDATES} (search with a status)`, filtered),
        ...EXPANSION_SWEEP.map((e) =>
          line(`k=${CANDIDATES_PER_LIST}, expansion_search ${e}`, sweep[e]),
        ),
        line('exact scan', record.exactMs),
      ].join('\n'),
  );
  console.log(JSON.stringify(record));
}

async function main(): Promise<void> {
  const { vectors: words } = await loadWordVectors();
  const vocabulary: string[] = [];
  // The vocabulary in rank order, skipping the most frequent (function) words.
  for (let rank = 200; vocabulary.length < VOCABULARY; rank++) {
    const word = words.word(rank);
    if (word) vocabulary.push(word);
  }
  const sizes = process.argv.slice(2).map(Number);
  for (const n of sizes.length > 0 ? sizes : [10_000, 100_000, 1_000_000])
    await benchmark(n, words, vocabulary);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
