import {
  cosineSimilarity,
  decodeFloat4Array,
  dot,
  norm,
  normalize,
  toFloat4Literal,
  topK,
} from './vector-math';

describe('vector math', () => {
  it('dot and norm', () => {
    // (1, 2, 3)·(4, -5, 6) = 4 - 10 + 18 = 12; |(3, 4)| = 5
    expect(dot([1, 2, 3], [4, -5, 6])).toBe(12);
    expect(norm([3, 4])).toBe(5);
    expect(() => dot([1], [1, 2])).toThrow(RangeError);
  });

  describe('cosineSimilarity', () => {
    it('is 1 for the same direction, 0 for orthogonal, -1 for opposite', () => {
      expect(cosineSimilarity([1, 2], [2, 4])).toBeCloseTo(1, 12);
      expect(cosineSimilarity([1, 0], [0, 3])).toBe(0);
      expect(cosineSimilarity([1, 1], [-2, -2])).toBeCloseTo(-1, 12);
    });

    it('worked example: (1, 2, 2) and (2, 0, 1)', () => {
      // dot = 2 + 0 + 2 = 4; |a| = 3; |b| = √5 ≈ 2.236068; cos = 4 / (3 × 2.236068) ≈ 0.596285
      expect(cosineSimilarity([1, 2, 2], [2, 0, 1])).toBeCloseTo(0.596285, 6);
    });

    it('ignores length: only direction counts', () => {
      expect(cosineSimilarity([1, 2, 2], [20, 0, 10])).toBeCloseTo(
        cosineSimilarity([1, 2, 2], [2, 0, 1]),
        12,
      );
    });

    it('is 0 when either vector is zero', () => {
      expect(cosineSimilarity([0, 0], [1, 2])).toBe(0);
    });
  });

  it('normalize gives a unit Float32 vector whose dot product is the cosine', () => {
    const a = normalize([1, 2, 2]);
    const b = normalize([2, 0, 1]);
    expect(a).toBeInstanceOf(Float32Array);
    expect(Array.from(a)).toEqual([1 / 3, 2 / 3, 2 / 3].map(Math.fround));
    expect(norm(a)).toBeCloseTo(1, 6);
    expect(dot(a, b)).toBeCloseTo(cosineSimilarity([1, 2, 2], [2, 0, 1]), 6);
    expect(Array.from(normalize([0, 0]))).toEqual([0, 0]);
  });

  describe('topK', () => {
    // Four unit rows in 2-D: angles 0°, 90°, 45°, 180° from the query (1, 0).
    const s = Math.SQRT1_2;
    const matrix = Float32Array.from([1, 0, 0, 1, s, s, -1, 0]);
    const query = Float32Array.from([1, 0]);

    it('returns the best rows first with their cosine', () => {
      const result = topK(matrix, 4, 2, query, 3, -1);
      expect(result.map((r) => r.row)).toEqual([0, 2, 1]);
      expect(result.map((r) => Number(r.score.toFixed(6)))).toEqual([1, 0.707107, 0]);
    });

    it('drops rows below the minimum score', () => {
      expect(topK(matrix, 4, 2, query, 10, 0.5).map((r) => r.row)).toEqual([0, 2]);
    });

    it('keeps the k best of many rows, earlier row first on ties', () => {
      const n = 1000;
      const big = new Float32Array(n * 2);
      for (let r = 0; r < n; r++) {
        const angle = ((r * 7919) % n) / n; // a permutation of angles in [0, 1) rad
        big[r * 2] = Math.cos(angle);
        big[r * 2 + 1] = Math.sin(angle);
      }
      const expected = Array.from({ length: n }, (_, r) => ({ r, score: big[r * 2] }))
        .sort((a, b) => b.score - a.score || a.r - b.r)
        .slice(0, 25)
        .map((x) => x.r);
      expect(topK(big, n, 2, query, 25, -1).map((x) => x.row)).toEqual(expected);
      // Duplicated rows tie: the earlier row wins.
      expect(topK(Float32Array.from([1, 0, 1, 0, 1, 0]), 3, 2, query, 2, 0)).toEqual([
        { row: 0, score: 1 },
        { row: 1, score: 1 },
      ]);
    });

    it('handles dimensions that are not a multiple of four', () => {
      const m = normalize([1, 2, 3, 4, 5, 6, 7]);
      const q = normalize([7, 6, 5, 4, 3, 2, 1]);
      expect(topK(m, 1, 7, q, 1, -1)[0].score).toBeCloseTo(cosineSimilarity(m, q), 6);
    });

    it('rejects a query of another size', () => {
      expect(() => topK(matrix, 4, 2, Float32Array.from([1, 0, 0]), 1, 0)).toThrow(RangeError);
    });
  });

  describe('decodeFloat4Array', () => {
    it("decodes PostgreSQL's array_send of '{1.5,2}'::real[]", () => {
      // SELECT array_send('{1.5,2}'::real[]) on PostgreSQL 15:
      const sent = Buffer.from(
        '0000000100000000000002bc0000000200000001000000043fc000000000000440000000',
        'hex',
      );
      expect(Array.from(decodeFloat4Array(sent))).toEqual([1.5, 2]);
    });

    it('decodes an empty array and rejects other element types', () => {
      expect(decodeFloat4Array(Buffer.from('0000000000000000000002bc', 'hex'))).toHaveLength(0);
      const int4 = Buffer.from('000000010000000000000017000000010000000100000004000000ff', 'hex');
      expect(() => decodeFloat4Array(int4)).toThrow(/real\[\]/);
    });
  });

  it('toFloat4Literal writes a real[] literal at Float32 precision', () => {
    expect(toFloat4Literal([0.5, -1, 0.1])).toBe(`{0.5,-1,${Math.fround(0.1)}}`);
  });
});
