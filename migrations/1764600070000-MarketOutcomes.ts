import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Markets with 2 to 20 outcomes (API.md "Markets with more than two outcomes", issue 16).
 *
 * Each market row carries its outcomes as three parallel arrays: ids, labels and the LMSR
 * share counts `q` (docs/markets.md says why arrays, not a table: a trade already locks and
 * rewrites the market row, so its outcomes come with that one lock and that one write, and
 * every read of a market, cached or listed, has them without a join).
 *
 * Binary markets are outcomes `{YES, NO}`; their `q_yes`/`q_no` columns stay (binary readers
 * and reports use them) and a CHECK keeps them equal to `outcome_q`. Positions, trades and a
 * resolved market's `outcome` hold an outcome id: `YES`, `NO`, or a server-assigned id of 8
 * lowercase letters and digits.
 */
export class MarketOutcomes1764600070000 implements MigrationInterface {
  name = 'MarketOutcomes1764600070000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE markets
        ADD COLUMN outcome_ids text[] NOT NULL DEFAULT '{YES,NO}',
        ADD COLUMN outcome_labels text[] NOT NULL DEFAULT '{Yes,No}',
        ADD COLUMN outcome_q numeric(30,6)[] NOT NULL DEFAULT '{0,0}'`);
    await q.query(`UPDATE markets SET outcome_q = ARRAY[q_yes, q_no]`);
    await q.query(`
      ALTER TABLE markets
        ADD CONSTRAINT markets_outcome_ids_check CHECK (
          cardinality(outcome_ids) BETWEEN 2 AND 20
          AND cardinality(outcome_labels) = cardinality(outcome_ids)
          AND cardinality(outcome_q) = cardinality(outcome_ids)
          AND array_ndims(outcome_ids) = 1 AND array_ndims(outcome_labels) = 1
          AND array_ndims(outcome_q) = 1),
        ADD CONSTRAINT markets_outcome_q_check CHECK (0 <= ALL (outcome_q)),
        ADD CONSTRAINT markets_binary_q_check CHECK (
          CASE WHEN outcome_ids = '{YES,NO}' THEN outcome_q = ARRAY[q_yes, q_no]
               ELSE q_yes = 0 AND q_no = 0 END),
        DROP CONSTRAINT markets_outcome_check,
        ADD CONSTRAINT markets_outcome_check CHECK (outcome = ANY (outcome_ids))`);
    for (const table of ['positions', 'trades']) {
      await q.query(`
        ALTER TABLE ${table}
          DROP CONSTRAINT ${table}_outcome_check,
          ADD CONSTRAINT ${table}_outcome_check CHECK (outcome ~ '^(YES|NO|[a-z0-9]{8})$')`);
    }
    // Every outcome's probability after each trade: the candles of any outcome of a market
    // with more than two outcomes read it (a binary trade's YES price is probability_after).
    await q.query(`ALTER TABLE trades ADD COLUMN probabilities_after numeric(7,6)[]`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE trades DROP COLUMN probabilities_after`);
    await q.query(`DELETE FROM markets WHERE outcome_ids <> '{YES,NO}'`);
    for (const table of ['positions', 'trades']) {
      await q.query(`DELETE FROM ${table} WHERE outcome NOT IN ('YES', 'NO')`);
      await q.query(`
        ALTER TABLE ${table}
          DROP CONSTRAINT ${table}_outcome_check,
          ADD CONSTRAINT ${table}_outcome_check CHECK (outcome IN ('YES', 'NO'))`);
    }
    await q.query(`
      ALTER TABLE markets
        DROP CONSTRAINT markets_outcome_check,
        ADD CONSTRAINT markets_outcome_check CHECK (outcome IN ('YES', 'NO')),
        DROP CONSTRAINT markets_binary_q_check,
        DROP CONSTRAINT markets_outcome_q_check,
        DROP CONSTRAINT markets_outcome_ids_check,
        DROP COLUMN outcome_q,
        DROP COLUMN outcome_labels,
        DROP COLUMN outcome_ids`);
  }
}
