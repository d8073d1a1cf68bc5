import { SearchRepository } from '../src/modules/search/search.repository';
import {
  CANDIDATES_PER_LIST,
  NAME_SIMILARITY_WEIGHT,
  TRIGRAM_THRESHOLD,
} from '../src/modules/search/search-ranking';
import { insertMarket } from './factories/markets';
import { registerUser } from './factories/users';
import { createTestApp, TestApp } from './support/test-app';

/**
 * The keyword arms score a bounded number of matches (KEYWORD_SCORED_MATCHES, 500 in
 * production), so a broad query does not rank every market it matches. The bound is a
 * parameter of the repository; these tests use a small one so a dozen markets exceed it.
 */
describe('keyword search, bounded arms', () => {
  let t: TestApp;
  const MATCHING = 12;
  /** Markets with the word in their description only: a low text rank, no name similarity. */
  const DESCRIBED = 10;
  let nearMissId: string;

  beforeAll(async () => {
    t = await createTestApp({ env: { EMBEDDINGS_PROVIDER: 'none' } });
    const creator = await registerUser(t);
    for (let i = 0; i < MATCHING; i++) {
      await insertMarket(t, {
        name: `Will the Quorvian ferry run route ${i} in spring?`,
        description: i % 2 === 0 ? 'Quorvian ports authority timetable.' : 'Timetable.',
        creatorId: creator.id,
      });
    }
    for (let i = 0; i < DESCRIBED; i++) {
      await insertMarket(t, {
        name: `Will the harbour tram run line ${i} on time?`,
        description: 'Run by the Quorvian transit board.',
        creatorId: creator.id,
      });
    }
    await insertMarket(t, { name: 'Will the Ostrava Open start on time?', creatorId: creator.id });
    // A near miss: "quorvia" is within the trigram threshold of "quorvian", not a word match.
    nearMissId = (
      await insertMarket(t, { name: 'Will Quorvia harbour reopen?', creatorId: creator.id })
    ).id;
  });

  afterAll(async () => {
    await t?.close();
  });

  const matches = (query: string, scoredMatchLimit: number, limit = CANDIDATES_PER_LIST) =>
    t.app.get(SearchRepository).keywordMatches({
      query,
      status: null,
      limit,
      trigramThreshold: TRIGRAM_THRESHOLD,
      nameWeight: NAME_SIMILARITY_WEIGHT,
      scoredMatchLimit,
    });

  it('scores at most the bound per arm: two arms of 3 give at most 6 of the 12 matches', async () => {
    const bounded = await matches('quorvian', 3);
    expect(bounded.length).toBeGreaterThan(0);
    expect(bounded.length).toBeLessThanOrEqual(6);
    // Above the match count, every match is there.
    expect(await matches('quorvian', 1000)).toHaveLength(MATCHING + DESCRIBED + 1);
  });

  it('adds near misses only while the word matches leave the list short', async () => {
    const nearMisses = (rows: Array<{ marketId: string }>) =>
      rows.filter((r) => r.marketId === nearMissId);
    // By score the near miss (0.5 × its name similarity) beats a description-only match, but
    // 22 word matches fill a list of 15: the trigram arm does not run.
    const full = await matches('quorvian', 1000, 15);
    expect(full).toHaveLength(15);
    expect(nearMisses(full)).toEqual([]);
    expect(full.every((r) => r.textRank > 0)).toBe(true);
    // A list of 30 is short after 22: the near miss is added, above the description-only ones.
    const short = await matches('quorvian', 1000, 30);
    expect(short).toHaveLength(MATCHING + DESCRIBED + 1);
    expect(short.findIndex((r) => r.marketId === nearMissId)).toBe(MATCHING);
  });

  it('scores each candidate by both arms, whichever bounded arm brought it', async () => {
    // Every name holds the word, so every candidate has a text rank and a name similarity of
    // 1, even one that only the other arm's bounded set contained.
    for (const bound of [1, 2, 3, 5]) {
      const rows = await matches('quorvian', bound);
      for (const row of rows.filter((r) => r.marketId !== nearMissId)) {
        expect(row.textRank, row.marketId).toBeGreaterThan(0);
        expect(row.nameSimilarity, row.marketId).toBe(1);
      }
    }
  });

  it('gives the same order as unbounded when the matches fit under the bound', async () => {
    const typo = await matches('quorvain ferry', 1000);
    expect(typo.length).toBe(MATCHING);
    expect(await matches('quorvain ferry', MATCHING)).toEqual(typo);
  });

  it('answers a query that matches nothing with an empty list', async () => {
    expect(await matches('zzzqqq', 3)).toEqual([]);
  });
});
