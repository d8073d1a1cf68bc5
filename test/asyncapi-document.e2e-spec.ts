import { readFileSync } from 'node:fs';
import {
  ASYNCAPI_DOCUMENT_FILE,
  ASYNCAPI_DOCUMENT_PATH,
  buildAsyncApiDocument,
} from '../src/asyncapi/asyncapi-document';
import { asyncApiFileContent } from '../src/asyncapi/write-asyncapi';
import { QUEUE_NAMES } from '../src/queues/queue-names';
import { MARKET_EVENTS_CHANNEL } from '../src/asyncapi/channels/market-events.channel';
import { EVENT_TYPES } from '../src/modules/events/outbox.service';
import { parseEmbedMarketJob, parseReindexAllJob } from '../src/modules/search/search-index.jobs';
import { ASYNCAPI_CHANNELS } from '../src/asyncapi/channels';
import { expectValidPayload, parseAsyncApi, payloadValidators, problems } from './support/asyncapi';
import { createTestApp, TestApp } from './support/test-app';

describe('AsyncAPI document of the queues', () => {
  it('is committed as docs/asyncapi.json and up to date (npm run docs:asyncapi)', () => {
    expect(readFileSync(ASYNCAPI_DOCUMENT_FILE, 'utf8')).toBe(asyncApiFileContent());
  });

  it('is a valid AsyncAPI 3 document for @asyncapi/parser, without errors or warnings', async () => {
    const { document, diagnostics } = await parseAsyncApi(buildAsyncApiDocument());
    expect(problems(diagnostics)).toEqual([]);
    expect(document?.version()).toMatch(/^3\./);
    expect(
      document
        ?.channels()
        .all()
        .map((channel) => channel.address()),
    ).toEqual(expect.arrayContaining(Object.values(QUEUE_NAMES)));
  });

  it('fails the parser when a message payload is broken (the check has teeth)', async () => {
    const broken = buildAsyncApiDocument();
    const components = broken.components as { schemas: Record<string, unknown> };
    components.schemas.SettleJobV1 = { type: 'object', required: 'marketId' };
    const { document, diagnostics } = await parseAsyncApi(broken);
    expect(document).toBeUndefined();
    expect(problems(diagnostics).length).toBeGreaterThan(0);
  });

  it('has one message per market event type, named as the job', () => {
    expect(MARKET_EVENTS_CHANNEL.messages.map((message) => message.name)).toEqual([...EVENT_TYPES]);
  });

  it("validates every message's examples against its own payload schema", async () => {
    const validators = await payloadValidators();
    let examples = 0;
    for (const channel of ASYNCAPI_CHANNELS) {
      for (const message of channel.messages) {
        expect(message.examples.length).toBeGreaterThan(0);
        for (const example of message.examples) {
          expectValidPayload(validators, channel.address, message.name, example.payload);
          examples++;
        }
      }
    }
    expect(examples).toBeGreaterThanOrEqual(9);
  });

  it('rejects payloads the consumers refuse (unknown version, bad id, money as a number)', async () => {
    const validators = await payloadValidators();
    const rejected = (channel: string, name: string, data: unknown) =>
      expect(() => expectValidPayload(validators, channel, name, data)).toThrow(
        /does not match the AsyncAPI document/,
      );
    rejected('settlement', 'settle', {
      version: 2,
      marketId: 'b8b9e513-9909-4f9b-a9f5-01d604cdde20',
    });
    rejected('search-index', 'market.embed', { version: 1, marketId: 'not-a-uuid' });
    rejected('search-index', 'market.reindex-all', { version: 1 });
    const [created] = MARKET_EVENTS_CHANNEL.messages[0].examples;
    const payload = created.payload as { data: Record<string, unknown> };
    rejected('market-events', 'market.created', {
      ...payload,
      data: { ...payload.data, liquidity: 100 },
    });
    rejected('market-events', 'trade.executed', payload);
  });

  it("accepts the search-index examples with the consumer's own parsers", () => {
    const channel = ASYNCAPI_CHANNELS.find((c) => c.address === QUEUE_NAMES.searchIndex)!;
    const parsers: Record<string, (data: unknown) => unknown> = {
      'market.embed': parseEmbedMarketJob,
      'market.reindex-all': parseReindexAllJob,
    };
    for (const message of channel.messages) {
      for (const example of message.examples) {
        expect(parsers[message.name](example.payload)).toEqual(example.payload);
      }
    }
  });

  describe('served by the app', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp();
    });
    afterAll(async () => {
      await t?.close();
    });

    it(`at ${ASYNCAPI_DOCUMENT_PATH}, equal to the committed file`, async () => {
      const res = await t.request({ method: 'GET', url: ASYNCAPI_DOCUMENT_PATH });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.json()).toEqual(JSON.parse(readFileSync(ASYNCAPI_DOCUMENT_FILE, 'utf8')));
    });

    it('named in the OpenAPI description, so Swagger UI readers find it', async () => {
      const res = await t.request({ method: 'GET', url: '/docs-json' });
      expect(res.json().info.description).toContain(ASYNCAPI_DOCUMENT_PATH);
    });
  });
});
