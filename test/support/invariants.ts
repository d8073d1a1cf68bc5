import { sql } from './sql';
import { TestApp } from './test-app';

/**
 * The money invariants of DOMAIN.md, checked in SQL over the whole test database.
 * Returns the list of violations (empty when everything holds).
 */
export async function moneyViolations(t: TestApp): Promise<string[]> {
  const violations: string[] = [];
  const mismatched = await sql(
    t,
    `SELECT u.id, u.balance, coalesce(sum(l.amount), 0) AS ledger FROM users u
     LEFT JOIN ledger_entries l ON l.user_id = u.id GROUP BY u.id HAVING u.balance <> coalesce(sum(l.amount), 0)`,
  );
  if (mismatched.length) violations.push(`balance ≠ Σ ledger for ${JSON.stringify(mismatched)}`);

  // Exact numeric arithmetic in PostgreSQL: balances + collateral − grants must be 0.00.
  const [totals] = await sql(
    t,
    `SELECT b.balances, c.collateral, g.granted, (b.balances + c.collateral - g.granted)::text AS diff
     FROM (SELECT coalesce(sum(balance), 0) AS balances FROM users) b,
          (SELECT coalesce(sum(collateral), 0) AS collateral FROM markets) c,
          (SELECT coalesce(sum(amount), 0) AS granted FROM ledger_entries WHERE kind = 'grant') g`,
  );
  if (totals.diff !== '0.00') {
    violations.push(
      `conservation: balances ${totals.balances} + collateral ${totals.collateral} ≠ granted ${totals.granted}`,
    );
  }

  const negative = await sql(
    t,
    `SELECT 'user' AS what, id FROM users WHERE balance < 0
     UNION ALL SELECT 'position', id FROM positions WHERE shares < 0
     UNION ALL SELECT 'market', id FROM markets
       WHERE q_yes < 0 OR q_no < 0 OR collateral < 0 OR 0 > ANY (outcome_q)`,
  );
  if (negative.length) violations.push(`negative values: ${JSON.stringify(negative)}`);

  // Every outcome of every market (binary ones included): q = Σ shares held of it. Binary
  // markets also keep q_yes/q_no, which the schema holds equal to outcome_q.
  const outstanding = await sql(
    t,
    `SELECT DISTINCT o.market_id AS id FROM (
       SELECT m.id AS market_id, o.id AS outcome, o.q FROM markets m,
         unnest(m.outcome_ids, m.outcome_q) AS o(id, q)
       WHERE m.settled_at IS NULL) o
     LEFT JOIN positions p ON p.market_id = o.market_id AND p.outcome = o.outcome
     GROUP BY o.market_id, o.outcome, o.q
     HAVING o.q <> coalesce(sum(p.shares), 0)
     UNION
     SELECT p.market_id FROM positions p JOIN markets m ON m.id = p.market_id
     WHERE p.shares > 0 AND m.settled_at IS NULL AND NOT p.outcome = ANY (m.outcome_ids)`,
  );
  if (outstanding.length)
    violations.push(`q ≠ Σ position shares for markets ${JSON.stringify(outstanding)}`);

  const paidTwice = await sql(
    t,
    `SELECT reference_id FROM ledger_entries WHERE kind IN ('payout', 'refund') AND reference_id IS NOT NULL
     GROUP BY reference_id HAVING count(*) > 1`,
  );
  if (paidTwice.length) violations.push(`positions paid twice: ${JSON.stringify(paidTwice)}`);

  const settledWithCollateral = await sql(
    t,
    `SELECT id, collateral FROM markets WHERE settled_at IS NOT NULL AND collateral <> 0`,
  );
  if (settledWithCollateral.length)
    violations.push(`settled markets with collateral: ${JSON.stringify(settledWithCollateral)}`);

  // LMSR: collateral covers the worst-case payout of every unsettled market: the largest q
  // of any of its outcomes (N = 2: max(qYes, qNo)).
  const uncovered = await sql(
    t,
    `SELECT id FROM markets m WHERE status = 'active'
       AND collateral < (SELECT max(q) FROM unnest(m.outcome_q) AS q) - 0.01`,
  );
  if (uncovered.length)
    violations.push(`collateral below the largest outcome q: ${JSON.stringify(uncovered)}`);
  return violations;
}

/**
 * Snapshot of the money tables, to assert that a refused request wrote nothing. Settlement of
 * markets resolved by earlier tests runs in the background and writes too, so the snapshot
 * first waits (a few seconds at most) until no resolved market is left unsettled.
 */
export async function moneySnapshot(t: TestApp) {
  await settlementQuiet(t);
  const [row] = await sql(
    t,
    `SELECT (SELECT count(*) FROM ledger_entries)::int AS ledger, (SELECT count(*) FROM trades)::int AS trades,
            (SELECT count(*) FROM positions)::int AS positions, (SELECT count(*) FROM markets)::int AS markets,
            (SELECT count(*) FROM outbox_events)::int AS events,
            (SELECT coalesce(sum(balance), 0)::text FROM users) AS balances,
            (SELECT coalesce(string_agg(outcome_q::text || '/' || collateral, ',' ORDER BY id), '') FROM markets) AS state`,
  );
  return row;
}

async function settlementQuiet(t: TestApp, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const [{ pending }] = await sql(
      t,
      `SELECT count(*)::int AS pending FROM markets WHERE resolved_at IS NOT NULL AND settled_at IS NULL`,
    );
    if (pending === 0) return;
    await new Promise((done) => setTimeout(done, 50));
  }
}
