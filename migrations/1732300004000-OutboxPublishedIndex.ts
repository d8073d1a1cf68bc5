import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Lets the outbox relay prune published events (older than 7 days) with an index range scan
 * instead of reading the whole table every minute. Unpublished rows have their own index.
 */
export class OutboxPublishedIndex1732300004000 implements MigrationInterface {
  name = 'OutboxPublishedIndex1732300004000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX outbox_events_published_idx ON outbox_events (published_at) WHERE published_at IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX outbox_events_published_idx`);
  }
}
