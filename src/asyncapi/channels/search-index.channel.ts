import {
  EMBED_MARKET_JOB,
  type EmbedMarketJobData,
  REINDEX_ALL_JOB,
  type ReindexAllJobData,
  SEARCH_INDEX_JOB_OPTIONS,
  SEARCH_INDEX_QUEUE,
  SEARCH_JOB_VERSION,
} from '../../modules/search/search-index.jobs';
import { type ChannelSpec, objectSchema } from '../asyncapi-spec';
import { BULLMQ_SERVER, bullmqChannelExtension } from './bullmq-server';
import { payloadVersion, ref } from './shared-schemas';

/** Payloads as parseEmbedMarketJob / parseReindexAllJob (search-index.jobs.ts) accept them. */
export const SEARCH_INDEX_CHANNEL: ChannelSpec = {
  id: 'searchIndex',
  address: SEARCH_INDEX_QUEUE,
  title: 'search-index',
  description:
    'Keeps the search documents and embeddings of markets current. Internal to the API; ' +
    'docs/search.md describes it. A consumer fails a job whose `version` it does not know ' +
    '(BullMQ `UnrecoverableError`) rather than guess.',
  server: BULLMQ_SERVER,
  messages: [
    {
      id: 'marketEmbedV1',
      name: EMBED_MARKET_JOB,
      title: 'Embed a market',
      summary: "Recompute one market's embedding from its current row.",
      description:
        'Added when a `market.created` or `market.updated` event is published (only when an ' +
        'embeddings provider is configured). Bursts for one market collapse into one waiting ' +
        'job (BullMQ deduplication id `embed:<marketId>`).',
      payloadSchemaId: 'MarketEmbedJobV1',
      payload: objectSchema<EmbedMarketJobData>({
        description: 'The job data of a `market.embed` job (version 1).',
        required: ['version', 'marketId'],
        properties: { version: payloadVersion(SEARCH_JOB_VERSION), marketId: ref('Uuid') },
      }),
      examples: [
        {
          name: 'market.embed',
          summary: 'Embed one market',
          payload: {
            version: 1,
            marketId: 'b8b9e513-9909-4f9b-a9f5-01d604cdde20',
          } satisfies EmbedMarketJobData,
        },
      ],
      extensions: {
        'x-bullmq-job': { name: EMBED_MARKET_JOB, deduplicationId: 'embed:<marketId>' },
      },
    },
    {
      id: 'marketReindexAllV1',
      name: REINDEX_ALL_JOB,
      title: 'Reindex every market',
      summary: 'Walk every market and embed those whose text, model or vector size changed.',
      description:
        '`POST /api/search/reindex`. One at a time: asking again while one waits or runs ' +
        'returns that job (deduplication id `reindex-all`). Progress is reported as ' +
        '`{done, total}`.',
      payloadSchemaId: 'MarketReindexAllJobV1',
      payload: objectSchema<ReindexAllJobData>({
        description: 'The job data of a `market.reindex-all` job (version 1).',
        required: ['version', 'requestedBy'],
        properties: {
          version: payloadVersion(SEARCH_JOB_VERSION),
          requestedBy: {
            oneOf: [ref('Uuid'), { type: 'null' }],
            description: 'The admin who asked; null when the system asked.',
          },
        },
      }),
      examples: [
        {
          name: 'market.reindex-all',
          summary: 'An admin asked for a reindex',
          payload: {
            version: 1,
            requestedBy: 'b902be0d-1fea-434c-bb04-af9aaa7ae33b',
          } satisfies ReindexAllJobData,
        },
        {
          name: 'market.reindex-all (system)',
          summary: 'The system asked for a reindex',
          payload: { version: 1, requestedBy: null } satisfies ReindexAllJobData,
        },
      ],
      extensions: {
        'x-bullmq-job': { name: REINDEX_ALL_JOB, deduplicationId: 'reindex-all' },
      },
    },
  ],
  operations: [
    {
      id: 'enqueueSearchIndexJob',
      action: 'send',
      title: 'Enqueue a search-index job',
      summary: 'On market changes (via `market-events` routing) and `POST /api/search/reindex`.',
    },
    {
      id: 'indexMarkets',
      action: 'receive',
      title: 'Index markets',
      summary: 'The worker role computes embeddings (concurrency 4).',
    },
  ],
  extensions: bullmqChannelExtension(SEARCH_INDEX_QUEUE, SEARCH_INDEX_JOB_OPTIONS),
};
