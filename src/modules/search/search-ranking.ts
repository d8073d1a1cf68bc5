/**
 * Ranking constants, in one place so docs/search.md and the code cannot drift. RRF's k lives
 * with the fusion function (rrf.ts).
 */

/** Market statuses a search can filter on. `closed` is an active market past `closes_at`. */
export const SEARCH_STATUSES = ['active', 'closed', 'resolved', 'cancelled'] as const;
export type SearchStatus = (typeof SEARCH_STATUSES)[number];

export const SEARCH_MODES = ['hybrid', 'keyword', 'semantic'] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];

export type MatchSource = 'keyword' | 'semantic';

/** How many candidates each list (keyword, semantic) brings to the fusion. */
export const CANDIDATES_PER_LIST = 100;

/**
 * Each keyword arm scores at most this many matches: the first ones its GIN index hands over
 * (in table order), not every match. Scoring reads each match's row (ts_rank_cd a whole
 * document), so "bitcoin" over 20,000 matching markets of 100k cost 360 ms; bounded, a broad
 * query costs about what a narrow one does (EXPLAIN ANALYZE in docs/search.md). Below the
 * bound (every query of the labelled set) the arm is exact; above it, which matches are
 * scored is arbitrary, but the two arms' candidates are then scored in full, so a market both
 * match ranks by both and name matches still come first. 500 kept the top-20 scores of the
 * bench queries at 100k equal to the unbounded ones; 300 lost some on "election".
 */
export const KEYWORD_SCORED_MATCHES = 500;

/**
 * Typo tolerance: a name matches when `word_similarity(query, name)` (pg_trgm, on lower-cased,
 * unaccented text) reaches this. 0.5 admits one wrong letter in a 9-letter word ("Zephirian"
 * vs "Zephyrian" is 0.54) while "rain" does not match "Ukraine" (0.4).
 */
export const TRIGRAM_THRESHOLD = 0.5;

/**
 * The keyword score is `ts_rank_cd(document, query, 32) + NAME_SIMILARITY_WEIGHT × similarity`:
 * full-text rank (in [0, 1) with normalisation 32) plus the name's trigram similarity, so an
 * exact word match wins and a near miss on the name still ranks.
 */
export const NAME_SIMILARITY_WEIGHT = 0.5;

/**
 * Semantic candidates need at least this cosine similarity. Without a floor every market
 * would be a "semantic match" of every query. The right value depends on the model; 0.25
 * keeps related texts for OpenAI's text-embedding-3 family and drops noise.
 */
export const SEMANTIC_MIN_SIMILARITY = 0.25;

/**
 * Nearest vectors fetched before the status filter, for searches with a `status` only (an
 * unfiltered search asks the index for CANDIDATES_PER_LIST); the first CANDIDATES_PER_LIST
 * that pass it are kept. A filtered search where most near markets have another status may
 * see fewer.
 */
export const SEMANTIC_PREFILTER_CANDIDATES = 500;

/**
 * The keyword list's k in the fusion (the semantic list keeps RRF_K = 60). With 60 for both,
 * a market that both lists rank well beat the market whose words the query names exactly
 * (keyword first, not in the semantic top 100): on the labelled set, hybrid ranked 5 such
 * queries below keyword ("mesi world cup" lost its market). With k = 6, keyword rank 1 beats
 * keyword rank 2 plus semantic rank 1 (1/7 > 1/8 + 1/61), so semantic evidence reorders
 * close keyword ranks and adds what words miss, but does not overturn a clear word match.
 * Measured in test/search-quality.e2e-spec.ts (docs/search.md).
 */
export const KEYWORD_RRF_K = 6;
