import type { Pool } from 'pg';
import { encodeCursor } from '../../src/common/pagination/cursor';
import { BENCH_MARKETS, ensureSeeded } from '../lib/fixtures';
import { defineScenario } from '../lib/registry';

export const LIMIT = 20;
const PAGE = 10_000;
const DEPTH = (PAGE - 1) * LIMIT; // 199,980 rows before page 10,000

/**
 * The real cursor of the page that starts after `depth` rows (default sort `createdAt desc`):
 * the key of row `depth`, encoded exactly as `encodeCursor` does for the API's own `nextCursor`.
 */
async function deepCursor(db: Pool, depth: number): Promise<{ cursor: string; firstId: string }> {
  const { rows } = await db.query<{ id: string; created_at: Date }>(
    `SELECT id, created_at FROM markets ORDER BY created_at DESC, id DESC OFFSET $1 LIMIT 2`,
    [depth - 1],
  );
  if (rows.length < 2) throw new Error(`fewer than ${depth + 1} markets`);
  const cursor = encodeCursor({
    sort: 'createdAt',
    order: 'desc',
    value: rows[0].created_at.toISOString(),
    id: rows[0].id,
  });
  return { cursor, firstId: rows[1].id };
}

async function firstItem(url: string): Promise<string> {
  const response = await fetch(url);
  const body = (await response.json()) as { data?: Array<{ id: string }> };
  if (response.status !== 200 || !body.data?.length) {
    throw new Error(`${url} answered ${response.status}: ${JSON.stringify(body).slice(0, 300)}`);
  }
  return body.data[0].id;
}

/**
 * URLs of page 1, of cursor page `page` and of the same rows by offset, on the API at `apiUrl`
 * over the database `db`; checks that the cursor and offset pages start with the expected row.
 */
export async function prepareUrls(db: Pool, apiUrl: string, page: number) {
  const depth = (page - 1) * LIMIT;
  const { cursor, firstId } = await deepCursor(db, depth);
  const page1 = `${apiUrl}/api/markets?limit=${LIMIT}`;
  const deep = `${page1}&cursor=${cursor}`;
  const offset = `${page1}&offset=${depth}`;
  const [deepFirst, offsetFirst] = await Promise.all([firstItem(deep), firstItem(offset)]);
  if (deepFirst !== firstId || offsetFirst !== firstId) {
    throw new Error(
      `page ${page} starts with ${deepFirst} (cursor) and ${offsetFirst} (offset), expected ${firstId}`,
    );
  }
  return { page1, deep, offset };
}

const SETUP =
  `over ${BENCH_MARKETS.toLocaleString('en-US')} seeded markets (\`npm run seed\`, reused when ` +
  'the bench database already holds them), default sort `createdAt desc`, ' +
  `\`limit=${LIMIT}\`. The cursor of page ${PAGE.toLocaleString('en-US')} is real: the key ` +
  `of row ${DEPTH.toLocaleString('en-US')} (SQL \`OFFSET ${DEPTH - 1}\`) encoded as ` +
  '`encodeCursor` does; before the load, its first item is checked to be the one `offset=' +
  `${DEPTH}\` returns.`;

export const scenarios = [
  defineScenario({
    name: 'market-list',
    description:
      `\`GET /api/markets\` by keyset cursor at page ${PAGE.toLocaleString('en-US')} against ` +
      `the same request at page 1 (both ours), ${SETUP} The keyset \`(created_at, id) < ` +
      '($1, $2)` walks the `(created_at DESC, id DESC)` index from the cursor, so depth ' +
      'should cost nothing.',
    target: {
      kind: 'throughput-ratio',
      min: 0.83,
      text: `cursor page ${PAGE.toLocaleString('en-US')} within 1.2× of page 1 (req/s ratio ≥ 1/1.2)`,
    },
    prepare: (ctx) => ensureSeeded(ctx),
    async run(ctx) {
      const { page1, deep } = await prepareUrls(ctx.db, ctx.apiUrl, PAGE);
      const points = await ctx.compareHttp({ url: deep }, { url: page1 });
      return { oursLabel: `cursor page ${PAGE}`, referenceLabel: 'page 1', points };
    },
  }),
  defineScenario({
    name: 'market-list-offset',
    description:
      `\`GET /api/markets?offset=${DEPTH}\` (offset mode, same rows as cursor page ` +
      `${PAGE.toLocaleString('en-US')}) against page 1, ${SETUP} Offset mode makes PostgreSQL ` +
      `read and drop ${DEPTH.toLocaleString('en-US')} index entries per request, and also ` +
      'counts every matching row for `total`. Report only: it shows why lists page by cursor.',
    target: { kind: 'throughput-ratio', min: 0, text: 'report only (no fixed target)' },
    prepare: (ctx) => ensureSeeded(ctx),
    async run(ctx) {
      const { page1, offset } = await prepareUrls(ctx.db, ctx.apiUrl, PAGE);
      const points = await ctx.compareHttp({ url: offset }, { url: page1 });
      return { oursLabel: `offset=${DEPTH}`, referenceLabel: 'page 1', points };
    },
  }),
];
