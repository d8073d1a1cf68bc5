import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { queryOne, queryRows } from '../../database/sql';
import { toFloat4Literal } from './vectors/vector-math';

/** What a market's embedding is computed from, and the hash of what it was last computed from. */
export interface EmbeddingSourceRow {
  id: string;
  name: string;
  description: string;
  tags: string[];
  /** Null when the market has no embedding yet. */
  contentHash: string | null;
}

export interface NewEmbedding {
  marketId: string;
  /** The text fields the vector was computed from: the write is skipped if they changed since. */
  name: string;
  description: string;
  tags: string[];
  contentHash: string;
  /** L2-normalised. */
  vector: Float32Array;
}

export interface EmbeddingChangeRow {
  /** `pg_snapshot_xmin` of the read, as text: the next read asks for rows from here on. */
  horizon: string;
  marketId: string | null;
  /** `array_send(embedding)`: PostgreSQL's binary array format. */
  embedding: Buffer | null;
}

export interface VectorScanRow {
  marketId: string;
  similarity: number;
}

/** The `market_embeddings` table: the source of truth for semantic search. */
@Injectable()
export class MarketEmbeddingsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  findSources(ids: string[]): Promise<EmbeddingSourceRow[]> {
    return queryRows<EmbeddingSourceRow>(
      this.db.manager,
      `SELECT m.id, m.name, m.description, m.tags, e.content_hash AS "contentHash"
       FROM markets m LEFT JOIN market_embeddings e ON e.market_id = m.id
       WHERE m.id = ANY($1::uuid[])`,
      [ids],
    );
  }

  /** Keyset page of every market by id, for the full reindex. */
  pageSources(afterId: string | null, limit: number): Promise<EmbeddingSourceRow[]> {
    return queryRows<EmbeddingSourceRow>(
      this.db.manager,
      `SELECT m.id, m.name, m.description, m.tags, e.content_hash AS "contentHash"
       FROM markets m LEFT JOIN market_embeddings e ON e.market_id = m.id
       WHERE ($1::uuid IS NULL OR m.id > $1::uuid)
       ORDER BY m.id
       LIMIT $2`,
      [afterId, limit],
    );
  }

  async countMarkets(): Promise<number> {
    const row = await queryOne<{ total: number }>(
      this.db.manager,
      `SELECT count(*)::int AS total FROM markets`,
    );
    return row?.total ?? 0;
  }

  /**
   * Upserts a batch in one statement. A row is written only if the market still exists with
   * the text the vector was computed from, so a slow job can never overwrite a newer vector
   * with one of an older text. Returns the ids written.
   */
  async upsert(model: string, dimensions: number, embeddings: NewEmbedding[]): Promise<string[]> {
    if (embeddings.length === 0) return [];
    const rows = await queryRows<{ marketId: string }>(
      this.db.manager,
      `INSERT INTO market_embeddings AS e
         (market_id, model, dimensions, content_hash, embedding, embedded_at, change_xid)
       SELECT m.id, $1::text, $2::int, v.content_hash, v.embedding::real[], now(), pg_current_xact_id()
       FROM unnest($3::uuid[], $4::text[], $5::text[], $6::jsonb[], $7::text[], $8::text[])
         AS v(market_id, name, description, tags, content_hash, embedding)
       JOIN markets m ON m.id = v.market_id AND m.name = v.name
         AND m.description = v.description AND to_jsonb(m.tags) = v.tags
       ON CONFLICT (market_id) DO UPDATE SET
         model = excluded.model, dimensions = excluded.dimensions,
         content_hash = excluded.content_hash, embedding = excluded.embedding,
         embedded_at = excluded.embedded_at, change_xid = excluded.change_xid
       RETURNING e.market_id AS "marketId"`,
      [
        model,
        dimensions,
        embeddings.map((e) => e.marketId),
        embeddings.map((e) => e.name),
        embeddings.map((e) => e.description),
        embeddings.map((e) => JSON.stringify(e.tags)),
        embeddings.map((e) => e.contentHash),
        embeddings.map((e) => toFloat4Literal(e.vector)),
      ],
    );
    return rows.map((row) => row.marketId);
  }

  /** The vector size most of the model's stored vectors have, or null when there are none. */
  async commonDimensions(model: string): Promise<number | null> {
    const row = await queryOne<{ dimensions: number }>(
      this.db.manager,
      `SELECT dimensions FROM market_embeddings WHERE model = $1
       GROUP BY dimensions ORDER BY count(*) DESC, dimensions LIMIT 1`,
      [model],
    );
    return row?.dimensions ?? null;
  }

  /** `pg_snapshot_xmin` now: rows written from here on have `change_xid` ≥ it. */
  async currentHorizon(): Promise<string> {
    const row = await queryOne<{ horizon: string }>(
      this.db.manager,
      `SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS horizon`,
    );
    return row!.horizon;
  }

  /** Keyset page, by market id, of the model's vectors of one size (for the index's load). */
  page(
    model: string,
    dimensions: number | null,
    afterId: string | null,
    limit: number,
  ): Promise<Array<{ marketId: string; embedding: Buffer }>> {
    if (dimensions === null) return Promise.resolve([]);
    return queryRows<{ marketId: string; embedding: Buffer }>(
      this.db.manager,
      `SELECT market_id AS "marketId", array_send(embedding) AS embedding
       FROM market_embeddings
       WHERE model = $1 AND dimensions = $2 AND ($3::uuid IS NULL OR market_id > $3::uuid)
       ORDER BY market_id
       LIMIT $4`,
      [model, dimensions, afterId, limit],
    );
  }

  /** Markets with no vector of this model: what a model change leaves to re-embed. */
  async countMissing(model: string): Promise<number> {
    const row = await queryOne<{ missing: number }>(
      this.db.manager,
      `SELECT count(*)::int AS missing FROM markets m
       WHERE NOT EXISTS (SELECT 1 FROM market_embeddings e WHERE e.market_id = m.id AND e.model = $1)`,
      [model],
    );
    return row?.missing ?? 0;
  }

  /**
   * Embeddings of this model written since `horizon` (all of them when null), and the
   * horizon for the next call, read in one statement (one snapshot).
   *
   * Every write stamps `change_xid` with its transaction id. A transaction whose id is below
   * the snapshot's xmin had finished when the snapshot was taken, so its rows were visible to
   * this read; anything at or above may still have been running and is read again next time.
   * No row is ever missed, whatever order transactions commit in.
   */
  changesSince(
    model: string,
    dimensions: number,
    horizon: string | null,
  ): Promise<EmbeddingChangeRow[]> {
    const since = horizon === null ? '' : 'AND e.change_xid >= $3::xid8';
    return queryRows<EmbeddingChangeRow>(
      this.db.manager,
      `SELECT h.horizon, e.market_id AS "marketId", array_send(e.embedding) AS embedding
       FROM (SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS horizon) h
       LEFT JOIN market_embeddings e ON e.model = $1 AND e.dimensions = $2 ${since}`,
      horizon === null ? [model, dimensions] : [model, dimensions, horizon],
    );
  }

  /**
   * Brute-force cosine scan in SQL (`search_dot` over unit vectors): reads and scores every
   * embedding of the model. See docs/search.md for its cost.
   */
  scanNearest(input: {
    model: string;
    dimensions: number;
    query: Float32Array;
    limit: number;
    minSimilarity: number;
  }): Promise<VectorScanRow[]> {
    return queryRows<VectorScanRow>(
      this.db.manager,
      `SELECT market_id AS "marketId", similarity FROM (
         SELECT market_id, search_dot(embedding, $1::real[]) AS similarity
         FROM market_embeddings WHERE model = $2 AND dimensions = $3
       ) scored
       WHERE similarity >= $4
       ORDER BY similarity DESC, market_id
       LIMIT $5`,
      [
        toFloat4Literal(input.query),
        input.model,
        input.dimensions,
        input.minSimilarity,
        input.limit,
      ],
    );
  }
}
