/**
 * The vector index alone: usearch HNSW (the parameters HnswVectorIndex uses) against the exact
 * scan, on N vectors shaped like the built-in provider's (SIF-pooled word vectors of six
 * words drawn from the 30,000 most frequent, 100 dimensions). Reports build time, memory,
 * query latency (k = 10 and k = 500, the semantic prefilter) and recall@10 against the exact
 * top 10.
 *
 *   npm run build && node dist/bench/search-ann.js [vectors ...]   (default 100000)
 *
 * No database: the index is what is measured; docs/search.md has the numbers.
 */
import { Index, MetricKind, ScalarKind } from 'usearch';
import { poolWordVectors } from '../src/modules/search/embeddings/local/local-embeddings.provider';
import { loadWordVectors, WordVectors } from '../src/modules/search/embeddings/local/word-vectors';
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

async function benchmark(n: number, words: WordVectors, vocabulary: string[]): Promise<void> {
  const dims = words.dimensions;
  const data = makeVectors(words, vocabulary, n, 1);
  const queries = makeVectors(words, vocabulary, QUERIES, 2);
  const heapBefore = process.memoryUsage().rss;
  const index = new Index({
    dimensions: dims,
    metric: MetricKind.Cos,
    quantization: ScalarKind.F32,
    multi: false,
    connectivity: HNSW_CONNECTIVITY,
    expansion_add: HNSW_EXPANSION_ADD,
    expansion_search: HNSW_EXPANSION_SEARCH,
  });
  const started = Date.now();
  const CHUNK = 10_000;
  for (let start = 0; start < n; start += CHUNK) {
    const end = Math.min(n, start + CHUNK);
    const keys = new BigUint64Array(end - start);
    for (let i = start; i < end; i++) keys[i - start] = BigInt(i);
    index.add(keys, data.subarray(start * dims, end * dims), 0);
  }
  const buildMs = Date.now() - started;
  const rssGrowth = process.memoryUsage().rss - heapBefore;

  const latency = { 10: [] as number[], 500: [] as number[], exact: [] as number[] };
  let hits = 0;
  let hitsWide = 0;
  for (let q = 0; q < QUERIES; q++) {
    const query = queries.subarray(q * dims, (q + 1) * dims);
    let t0 = process.hrtime.bigint();
    const approximate = index.search(query, 10, 1);
    latency[10].push(Number(process.hrtime.bigint() - t0) / 1e6);
    t0 = process.hrtime.bigint();
    const wide = index.search(query, 500, 1);
    latency[500].push(Number(process.hrtime.bigint() - t0) / 1e6);
    t0 = process.hrtime.bigint();
    const exact = topK(data, n, dims, query, 10, -1);
    latency.exact.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const truth = new Set(exact.map((r) => r.row));
    for (const key of approximate.keys) if (truth.has(Number(key))) hits++;
    // What semantic search does: ask for 500, keep the best; its top 10 against the exact one.
    for (const key of wide.keys.slice(0, 10)) if (truth.has(Number(key))) hitsWide++;
  }
  const fmt = (samples: number[]) => {
    const sorted = [...samples].sort((a, b) => a - b);
    return `p50 ${percentile(sorted, 0.5).toFixed(2)} ms, p95 ${percentile(sorted, 0.95).toFixed(2)} ms`;
  };
  console.log(
    `${n} vectors × ${dims}: build ${(buildMs / 1000).toFixed(1)} s, ` +
      `RSS +${Math.round(rssGrowth / 1e6)} MB (index + ${Math.round((n * dims * 4) / 1e6)} MB of source vectors)\n` +
      `  HNSW k=10   ${fmt(latency[10])}\n` +
      `  HNSW k=500  ${fmt(latency[500])}\n` +
      `  exact scan  ${fmt(latency.exact)}\n` +
      `  recall@10 vs exact: k=10 search ${(hits / (QUERIES * 10)).toFixed(3)}, ` +
      `top 10 of the k=500 search ${(hitsWide / (QUERIES * 10)).toFixed(3)}`,
  );
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
  for (const n of sizes.length > 0 ? sizes : [100_000]) await benchmark(n, words, vocabulary);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
