import { RRF_K, reciprocalRankFusion } from './rrf';

describe('reciprocalRankFusion', () => {
  it('uses k = 60 by default', () => {
    expect(RRF_K).toBe(60);
  });

  it('fuses two lists: an id both lists rank well beats the top of a single list', () => {
    // keyword:  A(1) B(2) C(3)      semantic: C(1) A(2) D(3)
    // A = 1/61 + 1/62 = 0.016393 + 0.016129 = 0.032522
    // C = 1/63 + 1/61 = 0.015873 + 0.016393 = 0.032266
    // B = 1/62                              = 0.016129
    // D = 1/63                              = 0.015873
    const fused = reciprocalRankFusion([
      { source: 'keyword', ids: ['A', 'B', 'C'] },
      { source: 'semantic', ids: ['C', 'A', 'D'] },
    ]);
    expect(fused.map((r) => r.id)).toEqual(['A', 'C', 'B', 'D']);
    expect(fused[0].score).toBeCloseTo(1 / 61 + 1 / 62, 12);
    expect(fused[0].score).toBeCloseTo(0.032522, 6);
    expect(fused[1].score).toBeCloseTo(0.032266, 6);
    expect(fused[2].score).toBeCloseTo(0.016129, 6);
    expect(fused[3].score).toBeCloseTo(0.015873, 6);
    expect(fused.map((r) => r.matchedBy)).toEqual([
      ['keyword', 'semantic'],
      ['keyword', 'semantic'],
      ['keyword'],
      ['semantic'],
    ]);
  });

  it('ranks an id found by both lists, even low in each, above the top of one list', () => {
    // X is 40th in both lists: 2/(60+40) = 0.02 > 1/61 = 0.016393 (first in one list only).
    const filler = (prefix: string) => Array.from({ length: 39 }, (_, i) => `${prefix}${i}`);
    const fused = reciprocalRankFusion([
      { source: 'keyword', ids: [...filler('k'), 'X'] },
      { source: 'semantic', ids: [...filler('s'), 'X'] },
    ]);
    expect(fused[0]).toEqual({ id: 'X', score: 2 / 100, matchedBy: ['keyword', 'semantic'] });
  });

  it('breaks ties by first appearance, reading the lists in order', () => {
    // keyword: A B, semantic: B A → both score 1/61 + 1/62; A appeared first.
    expect(
      reciprocalRankFusion([
        { source: 'keyword', ids: ['A', 'B'] },
        { source: 'semantic', ids: ['B', 'A'] },
      ]).map((r) => r.id),
    ).toEqual(['A', 'B']);
    // keyword: P, semantic: Q → both 1/61; the keyword list was given first.
    expect(
      reciprocalRankFusion([
        { source: 'keyword', ids: ['P'] },
        { source: 'semantic', ids: ['Q'] },
      ]).map((r) => r.id),
    ).toEqual(['P', 'Q']);
  });

  it('gives a single list back in order with 1/(k + rank) scores', () => {
    const fused = reciprocalRankFusion([{ source: 'keyword', ids: ['A', 'B', 'C'] }]);
    expect(fused).toEqual([
      { id: 'A', score: 1 / 61, matchedBy: ['keyword'] },
      { id: 'B', score: 1 / 62, matchedBy: ['keyword'] },
      { id: 'C', score: 1 / 63, matchedBy: ['keyword'] },
    ]);
  });

  it('counts a repeated id once, at its best rank', () => {
    const fused = reciprocalRankFusion([{ source: 'keyword', ids: ['A', 'B', 'A'] }]);
    expect(fused.map((r) => [r.id, r.score])).toEqual([
      ['A', 1 / 61],
      ['B', 1 / 62],
    ]);
  });

  it('honours another k', () => {
    // k = 1: A = 1/2 + 1/3, B = 1/3 + 1/2 (tie, first appearance), C = 1/4.
    const fused = reciprocalRankFusion(
      [
        { source: 'a', ids: ['A', 'B'] },
        { source: 'b', ids: ['B', 'A', 'C'] },
      ],
      1,
    );
    expect(fused.map((r) => [r.id, Number(r.score.toFixed(6))])).toEqual([
      ['A', 0.833333],
      ['B', 0.833333],
      ['C', 0.25],
    ]);
  });

  it('returns nothing for no lists or empty lists', () => {
    expect(reciprocalRankFusion([])).toEqual([]);
    expect(reciprocalRankFusion([{ source: 'keyword', ids: [] }])).toEqual([]);
  });
});
