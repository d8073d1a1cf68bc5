import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A per-user authority version, raised on every role change. Access tokens and refresh
 * tokens carry the version they were issued under; a token of an older version is refused on
 * its next use, so a demoted admin is judged by the new role at once, not at token expiry.
 */
export class AuthorityVersion1764600020000 implements MigrationInterface {
  name = 'AuthorityVersion1764600020000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ADD COLUMN authority_version integer NOT NULL DEFAULT 1`);
    await q.query(
      `ALTER TABLE refresh_tokens ADD COLUMN authority_version integer NOT NULL DEFAULT 1`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE refresh_tokens DROP COLUMN authority_version`);
    await q.query(`ALTER TABLE users DROP COLUMN authority_version`);
  }
}
