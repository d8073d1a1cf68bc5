import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * No parallel workers for `market_embeddings` scans. Before every search the HNSW index pulls
 * the rows written since its last read (`change_xid >= $horizon`, usually none). PostgreSQL
 * cannot estimate an `xid8` range (no histogram arithmetic for the type: the default third of
 * the table), so at 100k embeddings it planned that pull as a parallel bitmap scan and spent
 * 60–260 ms starting two workers to read 0 rows (0.02 ms without them; docs/search.md). No
 * statement on this table gains from parallelism: the index load reads keyset pages, the rest
 * are lookups by key.
 */
export class SearchEmbeddingsSerialScans1764600095000 implements MigrationInterface {
  name = 'SearchEmbeddingsSerialScans1764600095000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE market_embeddings SET (parallel_workers = 0)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE market_embeddings RESET (parallel_workers)`);
  }
}
