import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { queryRows } from '../../database/sql';
import { TransactionRunner } from '../../database/transaction-runner';
import { VISIBLE_STATUS_SQL } from '../markets';
import { SearchStatus } from './search-ranking';

export interface KeywordMatchRow {
  marketId: string;
  /** `ts_rank_cd(search_document, query, 32)`, 0 when only the name's trigrams matched. */
  textRank: number;
  /** `word_similarity(query, name)`, 0 when below the trigram threshold. */
  nameSimilarity: number;
}

export interface SearchResultRow {
  id: string;
  name: string;
  description: string;
  status: SearchStatus;
  /** numeric(7,6) as a decimal string. */
  probability: string;
  /** numeric(20,2) as a decimal string. */
  volume: string;
  closesAt: Date;
  tags: string[];
  outcomeIds: string[];
  outcomeLabels: string[];
  outcomeQ: string[];
  liquidity: string;
}

/** `$n` is the wanted status or NULL for any. */
const statusFilter = (param: string) =>
  `(${param}::text IS NULL OR ${VISIBLE_STATUS_SQL} = ${param}::text)`;

/**
 * Search reads over the markets table: the keyword query (full text + trigrams), status
 * filtering of semantic candidates, and the result rows. The markets module owns writes to
 * markets; search only reads the columns it indexes and shows.
 */
@Injectable()
export class SearchRepository {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly transactions: TransactionRunner,
  ) {}

  /**
   * Keyword candidates, best first: full-text matches (`websearch_to_tsquery` over the
   * weighted `search_document`, GIN) and names within the trigram threshold (GIN trigram
   * index). Each arm reads at most `scoredMatchLimit` matches from its index and keeps its
   * best `limit`, then scores those in full (text rank and name similarity, from the row it
   * already holds: no second read of `markets`); the union of the two is ordered by
   * `textRank + nameWeight × nameSimilarity`. A market both arms keep gets the same two
   * scores from each, so the UNION keeps one row. The trigram arm runs only when the
   * full-text arm keeps fewer than `limit`: near misses fill a short list of exact word
   * matches, they never push exact matches out of a full one (Algolia's and Meilisearch's
   * "fewer typos first" rule).
   *
   * The threshold is set for this transaction only (`set_config(…, true)`), so the `<%`
   * operator, which is what lets the trigram index answer, uses ours and not the server's
   * default (0.6).
   */
  keywordMatches(input: {
    query: string;
    status: SearchStatus | null;
    limit: number;
    trigramThreshold: number;
    nameWeight: number;
    scoredMatchLimit: number;
  }): Promise<KeywordMatchRow[]> {
    // PostgreSQL's default isolation (READ COMMITTED): naming it would cost a statement.
    return this.transactions.run(async (manager) => {
      // enable_seqscan off (this transaction only): the planner does not know `<%` and `@@`
      // cost microseconds per row, and on broad queries picked a sequential scan testing
      // every market (75 ms at 10k markets) over the GIN indexes (14 ms); see
      // docs/benchmarks.md, search.
      await manager.query(
        `SELECT set_config('pg_trgm.word_similarity_threshold', $1, true),
                set_config('enable_seqscan', 'off', true)`,
        [String(input.trigramThreshold)],
      );
      return queryRows<KeywordMatchRow>(
        manager,
        `WITH input AS MATERIALIZED (
           SELECT websearch_to_tsquery('english', search_unaccent($1)) AS query,
                  search_normalize($1) AS normalized
         ),
         full_text AS (
           SELECT top.id, top.rank,
                  CASE WHEN input.normalized <% top.search_name
                       THEN word_similarity(input.normalized, top.search_name) ELSE 0 END
                    AS similarity
           FROM (
             SELECT matched.id, matched.search_name,
                    ts_rank_cd(matched.search_document, input.query, 32) AS rank
             FROM (
               SELECT m.id, m.search_document, m.search_name
               FROM markets m
               WHERE m.search_document @@ websearch_to_tsquery('english', search_unaccent($1))
                 AND ${statusFilter('$2')}
               LIMIT $5
             ) matched CROSS JOIN input
             ORDER BY rank DESC, matched.id
             LIMIT $3
           ) top CROSS JOIN input
         ),
         fuzzy AS (
           SELECT top.id,
                  CASE WHEN top.search_document @@ input.query
                       THEN ts_rank_cd(top.search_document, input.query, 32) ELSE 0 END AS rank,
                  top.similarity
           FROM (
             SELECT matched.id, matched.search_document,
                    word_similarity(input.normalized, matched.search_name) AS similarity
             FROM (
               SELECT m.id, m.search_document, m.search_name
               FROM markets m
               WHERE search_normalize($1) <% m.search_name AND ${statusFilter('$2')}
                 -- Typo tolerance fills the list, it does not compete with exact words:
                 -- when the words alone give a full list, this arm is not run at all
                 -- (a one-time filter; the trigram scan was 80 % of a broad query).
                 AND (SELECT count(*) FROM full_text) < $3
               LIMIT $5
             ) matched CROSS JOIN input
             ORDER BY similarity DESC, matched.id
             LIMIT $3
           ) top CROSS JOIN input
         )
         SELECT id AS "marketId", rank::float8 AS "textRank",
                similarity::float8 AS "nameSimilarity"
         FROM (SELECT * FROM full_text UNION SELECT * FROM fuzzy) scored
         ORDER BY rank + $4 * similarity DESC, id
         LIMIT $3`,
        [input.query, input.status, input.limit, input.nameWeight, input.scoredMatchLimit],
      );
    });
  }

  /**
   * Splits candidate ids, keeping their order, into those that exist with the status
   * (`eligible`) and those whose market is gone (`missing`).
   */
  async classifyCandidates(
    ids: string[],
    status: SearchStatus | null,
  ): Promise<{ eligible: string[]; missing: string[] }> {
    if (ids.length === 0) return { eligible: [], missing: [] };
    const rows = await queryRows<{ id: string; exists: boolean; eligible: boolean }>(
      this.db.manager,
      `SELECT c.id, m.id IS NOT NULL AS exists,
              (m.id IS NOT NULL AND ${statusFilter('$2')}) AS eligible
       FROM unnest($1::uuid[]) WITH ORDINALITY AS c(id, position)
       LEFT JOIN markets m ON m.id = c.id
       ORDER BY c.position`,
      [ids, status],
    );
    return {
      eligible: rows.filter((row) => row.eligible).map((row) => row.id),
      missing: rows.filter((row) => !row.exists).map((row) => row.id),
    };
  }

  /** The result rows of a batch of markets, in one query (order is the caller's job). */
  findResultRows(ids: string[]): Promise<SearchResultRow[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return queryRows<SearchResultRow>(
      this.db.manager,
      `SELECT m.id, m.name, m.description, ${VISIBLE_STATUS_SQL} AS status, m.probability,
              m.volume, m.closes_at AS "closesAt", m.tags, m.outcome_ids AS "outcomeIds",
              m.outcome_labels AS "outcomeLabels", m.outcome_q::text[] AS "outcomeQ", m.liquidity
       FROM markets m WHERE m.id = ANY($1::uuid[])`,
      [ids],
    );
  }
}
