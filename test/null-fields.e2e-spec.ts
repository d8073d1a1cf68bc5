import { buy, createMarket, inDays } from './factories/markets';
import { TestUser, registerUser } from './factories/users';
import { sql } from './support/sql';
import { TestApp, createTestApp } from './support/test-app';

/**
 * API.md: "An optional field is either absent or valid: `null` is a 400 unless the field is
 * documented as nullable." For every JSON body the document describes, each optional field
 * is sent as `null` on an otherwise valid request: 400 VALIDATION_FAILED naming the field,
 * and nothing written. The optional fields are read from the served document, so a field
 * added later is covered without touching this file; a new body route fails here until it
 * gets a valid example body below.
 */
type Json = Record<string, any>;

describe('null for an optional field', () => {
  let t: TestApp;
  let owner: TestUser;
  let market: { id: string };
  let positionId: string;
  let webhookId: string;
  let document: Json;

  beforeAll(async () => {
    t = await createTestApp();
    owner = await registerUser(t);
    market = await createMarket(t, owner);
    const bought = await buy(t, owner, { marketId: market.id, outcome: 'YES', amount: '10.00' });
    positionId = bought.json().data.position.id;
    // Written directly: creating one over HTTP resolves its host, and tests have no DNS.
    [{ id: webhookId }] = await sql(
      t,
      `INSERT INTO webhooks (user_id, url, events, secret)
       VALUES ($1, 'https://example.com/hook', '{trade.executed}', 'whsec_null-sweep') RETURNING id`,
      [owner.id],
    );
    document = (await t.request({ method: 'GET', url: '/docs-json' })).json();
  });
  afterAll(() => t.close());

  /** A valid request per body route, keyed by `METHOD /path/template`. */
  const validRequests = (): Record<string, { url: string; body: Json; user: TestUser }> => ({
    'POST /api/markets': {
      url: '/api/markets',
      body: { name: 'Will the null sweep hold?', closesAt: inDays(5) },
      user: owner,
    },
    'PUT /api/markets/{id}': {
      url: `/api/markets/${market.id}`,
      body: { name: 'Will the null sweep hold?', closesAt: inDays(5) },
      user: owner,
    },
    'PATCH /api/markets/{id}': {
      url: `/api/markets/${market.id}`,
      body: { description: 'Edited by the null sweep.' },
      user: owner,
    },
    'POST /api/positions': {
      url: '/api/positions',
      body: { marketId: market.id, outcome: 'YES', amount: '5.00' },
      user: owner,
    },
    'POST /api/positions/{id}/sell': {
      url: `/api/positions/${positionId}/sell`,
      body: {},
      user: owner,
    },
    'POST /api/me/api-keys': {
      url: '/api/me/api-keys',
      body: { name: 'null sweep bot', scopes: ['read'] },
      user: owner,
    },
    'POST /api/me/webhooks': {
      url: '/api/me/webhooks',
      body: { url: 'https://example.com/hook', events: ['trade.executed'] },
      user: owner,
    },
    'PATCH /api/me/webhooks/{id}': {
      url: `/api/me/webhooks/${webhookId}`,
      body: { enabled: false },
      user: owner,
    },
  });

  function resolveSchema(schema: Json): Json {
    if (schema.$ref) {
      const name = (schema.$ref as string).split('/').pop()!;
      return resolveSchema(document.components.schemas[name]);
    }
    return schema;
  }

  /** Every `METHOD path` with a JSON body, and the body's optional properties. */
  function bodiesWithOptionalFields(): Array<{ operation: string; optional: string[] }> {
    const found: Array<{ operation: string; optional: string[] }> = [];
    for (const [path, item] of Object.entries(document.paths as Json)) {
      for (const [method, op] of Object.entries(item as Json)) {
        const schema = op.requestBody?.content?.['application/json']?.schema;
        if (!schema) continue;
        const resolved = resolveSchema(schema);
        const required = new Set<string>(resolved.required ?? []);
        const optional = Object.keys(resolved.properties ?? {}).filter(
          (name) => !required.has(name) && !resolved.properties[name].nullable,
        );
        if (optional.length > 0)
          found.push({ operation: `${method.toUpperCase()} ${path}`, optional });
      }
    }
    return found;
  }

  async function snapshot(): Promise<unknown> {
    const [counts] = await sql(
      t,
      `SELECT (SELECT count(*) FROM markets)::int AS markets,
              (SELECT count(*) FROM trades)::int AS trades,
              (SELECT count(*) FROM ledger_entries)::int AS ledger,
              (SELECT count(*) FROM api_keys)::int AS api_keys,
              (SELECT json_agg(u ORDER BY u.id) FROM (SELECT id, balance FROM users) u) AS balances,
              (SELECT json_agg(m ORDER BY m.id) FROM markets m) AS market_rows,
              (SELECT json_agg(p ORDER BY p.id) FROM positions p) AS position_rows`,
    );
    return counts;
  }

  it('covers every body with optional fields that the document lists', () => {
    const known = Object.keys(validRequests());
    const operations = bodiesWithOptionalFields().map((entry) => entry.operation);
    expect(operations.length).toBeGreaterThan(0);
    expect(operations.filter((operation) => !known.includes(operation))).toEqual([]);
  });

  it('answers 400 naming the field and writes nothing, for every optional field', async () => {
    const requests = validRequests();
    const tried: string[] = [];
    for (const { operation, optional } of bodiesWithOptionalFields()) {
      const request = requests[operation];
      const [method] = operation.split(' ');
      for (const field of optional) {
        const before = await snapshot();
        const res = await t.request({
          method: method as 'POST',
          url: request.url,
          headers: request.user.auth,
          payload: { ...request.body, [field]: null },
        });
        expect({ operation, field, status: res.statusCode }).toEqual({
          operation,
          field,
          status: 400,
        });
        expect(res.json().error.code).toBe('VALIDATION_FAILED');
        expect(Object.keys(res.json().error.details)).toContain(field);
        expect(await snapshot()).toEqual(before);
        tried.push(`${operation} ${field}`);
      }
    }
    // The defects of issue 13 item 3 among them.
    expect(tried).toEqual(
      expect.arrayContaining([
        'POST /api/positions maxProbability',
        'POST /api/positions/{id}/sell shares',
        'POST /api/positions/{id}/sell minProceeds',
      ]),
    );
  });

  it('accepts each base body as it is, so the null alone is what is refused', async () => {
    const requests = validRequests();
    for (const operation of ['PATCH /api/markets/{id}', 'PUT /api/markets/{id}']) {
      const res = await t.request({
        method: operation.split(' ')[0] as 'PUT',
        url: requests[operation].url,
        headers: requests[operation].user.auth,
        payload: requests[operation].body,
      });
      expect(res.statusCode).toBe(200);
    }
  });
});
