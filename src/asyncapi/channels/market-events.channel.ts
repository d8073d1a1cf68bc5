import { OUTCOME_ID_FORMAT, OUTCOME_ID_PATTERN, OUTCOMES } from '../../modules/markets';
import { MARKET_EVENT_JOB_OPTIONS, type MarketEvent } from '../../modules/events/market-event';
import { EVENT_VERSIONS, type EventType } from '../../modules/events/outbox.service';
import { QUEUE_NAMES } from '../../queues/queue-names';
import {
  type ChannelSpec,
  type JsonSchema,
  type MessageSpec,
  objectSchema,
} from '../asyncapi-spec';
import { payloadVersion, ref } from './shared-schemas';
import { BULLMQ_SERVER, bullmqChannelExtension } from './bullmq-server';

/*
 * The `data` of each event type. The outbox writes these as untyped records
 * (OutboxService.add), so these interfaces are the documented shape; the e2e test
 * (test/asyncapi.e2e-spec.ts) drives every event through the real flows and validates it.
 */
export interface MarketCreatedData {
  name: string;
  creatorId: string;
  liquidity: string;
  closesAt: string;
  tags: string[];
}

export const EDITABLE_MARKET_FIELDS = ['name', 'description', 'closesAt', 'tags'] as const;

export interface MarketEditedData {
  changed: (typeof EDITABLE_MARKET_FIELDS)[number][];
  name: string;
  closesAt: string;
  tags: string[];
}

export interface MarketDeletedData {
  deleted: true;
  refunded: string;
}

export interface TradeExecutedData {
  tradeId: string;
  userId: string;
  side: 'buy' | 'sell';
  outcome: (typeof OUTCOMES)[number];
  shares: string;
  amount: string;
  probabilityBefore: string;
  probabilityAfter: string;
}

export interface MarketResolvedData {
  resolution: (typeof OUTCOMES)[number] | 'CANCEL';
  resolvedBy: string;
  resolvedAt: string;
}

export interface MarketSettledData {
  status: 'resolved' | 'cancelled';
  outcome: (typeof OUTCOMES)[number] | null;
  residual: string;
}

/* Version 2 (issue 16): outcome ids of any market, and every outcome where a market or a
 * trade changes them. */
export interface MarketCreatedDataV2 extends MarketCreatedData {
  outcomes: { id: string; label: string }[];
}

export interface TradeExecutedDataV2 extends Omit<TradeExecutedData, 'outcome'> {
  outcome: string;
  outcomes: { id: string; probability: string }[];
}

export interface MarketResolvedDataV2 extends Omit<MarketResolvedData, 'resolution'> {
  resolution: string;
}

export interface MarketSettledDataV2 extends Omit<MarketSettledData, 'outcome'> {
  outcome: string | null;
}

const outcomeId: JsonSchema = {
  type: 'string',
  pattern: OUTCOME_ID_PATTERN.source,
  description: `An outcome id of the market: ${OUTCOME_ID_FORMAT}.`,
};

const tags: JsonSchema = { type: 'array', items: { type: 'string' } };

/** A later version of an event type's `data`, documented beside version 1. */
interface LaterVersion {
  version: number;
  /** What changed since the version before. */
  changes: string;
  data: JsonSchema;
  examples: MarketEvent[];
}

/**
 * One entry per event type: a type added to EVENT_TYPES does not compile until described.
 * `data`/`examples` are version 1; `later` the versions since (the last one is what the API
 * writes now: EVENT_VERSIONS).
 */
const EVENTS: Record<
  EventType,
  {
    title: string;
    summary: string;
    description?: string;
    data: JsonSchema;
    examples: MarketEvent[];
    later?: LaterVersion[];
  }
> = {
  'market.created': {
    title: 'Market created',
    summary: "A market was created (with the creator's subsidy paid).",
    description:
      'If the creator bought an initial position, a `trade.executed` follows with the next `seq`.',
    data: objectSchema<MarketCreatedData>({
      required: ['name', 'creatorId', 'liquidity', 'closesAt', 'tags'],
      properties: {
        name: { type: 'string' },
        creatorId: ref('Uuid'),
        liquidity: ref('Credits'),
        closesAt: ref('Timestamp'),
        tags,
      },
    }),
    examples: [
      {
        version: 1,
        type: 'market.created',
        marketId: 'b8b9e513-9909-4f9b-a9f5-01d604cdde20',
        data: {
          name: 'Will it rain in Zephyria tomorrow?',
          creatorId: 'b902be0d-1fea-434c-bb04-af9aaa7ae33b',
          liquidity: '100.00',
          closesAt: '2026-11-29T21:06:43.175Z',
          tags: ['weather'],
        } satisfies MarketCreatedData,
        eventId: '0c88bb33-271e-43ed-87b5-4349d9a7310b',
        seq: 1,
        occurredAt: '2026-11-22T21:06:43.184Z',
      },
    ],
    later: [
      {
        version: 2,
        changes: '`outcomes`: every outcome of the market, in order (a binary market: YES and NO).',
        data: objectSchema<MarketCreatedDataV2>({
          required: ['name', 'creatorId', 'liquidity', 'closesAt', 'tags', 'outcomes'],
          properties: {
            name: { type: 'string' },
            creatorId: ref('Uuid'),
            liquidity: ref('Credits'),
            closesAt: ref('Timestamp'),
            tags,
            outcomes: {
              type: 'array',
              minItems: 2,
              maxItems: 20,
              items: {
                type: 'object',
                required: ['id', 'label'],
                properties: {
                  id: outcomeId,
                  label: { type: 'string', minLength: 1, maxLength: 60 },
                },
              },
            },
          },
        }),
        examples: [
          {
            version: 2,
            type: 'market.created',
            marketId: 'c4e1f0a2-6b3d-4e8f-9a1c-2d3e4f5a6b7c',
            data: {
              name: 'Who wins the Zephyrian election?',
              creatorId: 'b902be0d-1fea-434c-bb04-af9aaa7ae33b',
              liquidity: '100.00',
              closesAt: '2026-12-29T21:06:43.175Z',
              tags: ['election'],
              outcomes: [
                { id: 'k3m9x2qa', label: 'Ada Lovelace' },
                { id: 'p7h4w1zc', label: 'Grace Hopper' },
                { id: 'b2n8r5te', label: 'Alan Turing' },
              ],
            } satisfies MarketCreatedDataV2,
            eventId: '1d2c3b4a-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
            seq: 31,
            occurredAt: '2026-12-01T21:06:43.184Z',
          },
        ],
      },
    ],
  },
  'market.updated': {
    title: 'Market updated or deleted',
    summary: "The market's editable fields changed, or the market was deleted.",
    description:
      '`PUT`/`PATCH /api/markets/:id`: `changed` names the fields the request set; `name`, ' +
      '`closesAt` and `tags` are the values after the change (fetch the market for ' +
      '`description`). `DELETE /api/markets/:id` (only before anyone else traded): `data` is ' +
      '`{deleted: true, refunded}`, the credits returned to the creator; it is the last event ' +
      'of the market.',
    data: {
      oneOf: [
        objectSchema<MarketEditedData>({
          description: 'The market was edited.',
          required: ['changed', 'name', 'closesAt', 'tags'],
          properties: {
            changed: {
              type: 'array',
              items: { type: 'string', enum: [...EDITABLE_MARKET_FIELDS] },
            },
            name: { type: 'string' },
            closesAt: ref('Timestamp'),
            tags,
          },
        }),
        objectSchema<MarketDeletedData>({
          description: 'The market was deleted.',
          required: ['deleted', 'refunded'],
          properties: { deleted: { type: 'boolean', const: true }, refunded: ref('Credits') },
        }),
      ],
    },
    examples: [
      {
        version: 1,
        type: 'market.updated',
        marketId: 'b8b9e513-9909-4f9b-a9f5-01d604cdde20',
        data: {
          changed: ['name'],
          name: 'Will it rain in Zephyria on Friday?',
          closesAt: '2026-11-29T21:06:43.175Z',
          tags: ['weather'],
        } satisfies MarketEditedData,
        eventId: 'bd7e4e3c-4148-4c9d-a9ff-40fb49ea7b68',
        seq: 4,
        occurredAt: '2026-11-22T21:06:43.242Z',
      },
      {
        version: 1,
        type: 'market.updated',
        marketId: '5d0c6a3e-2f43-4d7b-9c1e-8a4b7f2e9d10',
        data: { deleted: true, refunded: '69.31' } satisfies MarketDeletedData,
        eventId: '2a7e1b0c-8f3d-4e5a-b6c7-d8e9f0a1b2c3',
        seq: 7,
        occurredAt: '2026-11-22T21:07:10.012Z',
      },
    ],
  },
  'trade.executed': {
    title: 'Trade executed',
    summary: "A buy or a sell (including a creator's initial buy).",
    description:
      '`amount` is what the buyer paid or the seller received; probabilities are of YES, ' +
      'before and after the trade.',
    data: objectSchema<TradeExecutedData>({
      required: [
        'tradeId',
        'userId',
        'side',
        'outcome',
        'shares',
        'amount',
        'probabilityBefore',
        'probabilityAfter',
      ],
      properties: {
        tradeId: ref('Uuid'),
        userId: ref('Uuid'),
        side: { type: 'string', enum: ['buy', 'sell'] },
        outcome: { type: 'string', enum: [...OUTCOMES] },
        shares: ref('Shares'),
        amount: ref('Credits'),
        probabilityBefore: ref('Probability'),
        probabilityAfter: ref('Probability'),
      },
    }),
    examples: [
      {
        version: 1,
        type: 'trade.executed',
        marketId: 'b8b9e513-9909-4f9b-a9f5-01d604cdde20',
        data: {
          tradeId: 'd0362bba-9f64-4128-bd3e-7d22ae843e76',
          userId: 'b902be0d-1fea-434c-bb04-af9aaa7ae33b',
          side: 'buy',
          outcome: 'YES',
          shares: '19.090282',
          amount: '10.00',
          probabilityBefore: '0.500000',
          probabilityAfter: '0.547581',
        } satisfies TradeExecutedData,
        eventId: '6fc468e2-33c3-4021-adb5-efcd93c69b4e',
        seq: 2,
        occurredAt: '2026-11-22T21:06:43.191Z',
      },
    ],
    later: [
      {
        version: 2,
        changes:
          '`outcome` is an outcome id of the market; `outcomes` gives every outcome’s probability ' +
          'after the trade. `probabilityBefore`/`probabilityAfter` are of YES on a binary market, ' +
          'of the traded outcome on others.',
        data: objectSchema<TradeExecutedDataV2>({
          required: [
            'tradeId',
            'userId',
            'side',
            'outcome',
            'shares',
            'amount',
            'probabilityBefore',
            'probabilityAfter',
            'outcomes',
          ],
          properties: {
            tradeId: ref('Uuid'),
            userId: ref('Uuid'),
            side: { type: 'string', enum: ['buy', 'sell'] },
            outcome: outcomeId,
            shares: ref('Shares'),
            amount: ref('Credits'),
            probabilityBefore: ref('Probability'),
            probabilityAfter: ref('Probability'),
            outcomes: {
              type: 'array',
              minItems: 2,
              maxItems: 20,
              items: {
                type: 'object',
                required: ['id', 'probability'],
                properties: { id: outcomeId, probability: ref('Probability') },
              },
            },
          },
        }),
        examples: [
          {
            version: 2,
            type: 'trade.executed',
            marketId: 'c4e1f0a2-6b3d-4e8f-9a1c-2d3e4f5a6b7c',
            data: {
              tradeId: '9e8d7c6b-5a49-4382-9160-5f4e3d2c1b0a',
              userId: 'b902be0d-1fea-434c-bb04-af9aaa7ae33b',
              side: 'buy',
              outcome: 'k3m9x2qa',
              shares: '108.050392',
              amount: '50.00',
              probabilityBefore: '0.333333',
              probabilityAfter: '0.595646',
              outcomes: [
                { id: 'k3m9x2qa', probability: '0.595646' },
                { id: 'p7h4w1zc', probability: '0.202177' },
                { id: 'b2n8r5te', probability: '0.202177' },
              ],
            } satisfies TradeExecutedDataV2,
            eventId: '3b4c5d6e-7f80-4912-a3b4-c5d6e7f80912',
            seq: 32,
            occurredAt: '2026-12-01T21:07:00.000Z',
          },
        ],
      },
    ],
  },
  'market.resolved': {
    title: 'Market resolved',
    summary: 'The market was resolved (`POST /api/markets/:id/resolve`); trading has stopped.',
    description:
      'Payouts follow in the background (`market.settled`). `CANCEL` means positions are refunded.',
    data: objectSchema<MarketResolvedData>({
      required: ['resolution', 'resolvedBy', 'resolvedAt'],
      properties: {
        resolution: { type: 'string', enum: [...OUTCOMES, 'CANCEL'] },
        resolvedBy: ref('Uuid'),
        resolvedAt: ref('Timestamp'),
      },
    }),
    examples: [
      {
        version: 1,
        type: 'market.resolved',
        marketId: 'b8b9e513-9909-4f9b-a9f5-01d604cdde20',
        data: {
          resolution: 'YES',
          resolvedBy: 'b902be0d-1fea-434c-bb04-af9aaa7ae33b',
          resolvedAt: '2026-11-30T09:00:00.000Z',
        } satisfies MarketResolvedData,
        eventId: '7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f',
        seq: 912,
        occurredAt: '2026-11-30T09:00:00.004Z',
      },
    ],
    later: [
      {
        version: 2,
        changes: '`resolution` is the winning outcome id of the market, or `CANCEL`.',
        data: objectSchema<MarketResolvedDataV2>({
          required: ['resolution', 'resolvedBy', 'resolvedAt'],
          properties: {
            resolution: { anyOf: [outcomeId, { type: 'string', const: 'CANCEL' }] },
            resolvedBy: ref('Uuid'),
            resolvedAt: ref('Timestamp'),
          },
        }),
        examples: [
          {
            version: 2,
            type: 'market.resolved',
            marketId: 'c4e1f0a2-6b3d-4e8f-9a1c-2d3e4f5a6b7c',
            data: {
              resolution: 'p7h4w1zc',
              resolvedBy: 'b902be0d-1fea-434c-bb04-af9aaa7ae33b',
              resolvedAt: '2026-12-30T09:00:00.000Z',
            } satisfies MarketResolvedDataV2,
            eventId: '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d',
            seq: 990,
            occurredAt: '2026-12-30T09:00:00.004Z',
          },
        ],
      },
    ],
  },
  'market.settled': {
    title: 'Market settled',
    summary: 'Every position of a resolved market has been paid (or refunded).',
    description:
      "It follows the market's `market.resolved`. `residual` is the collateral left after the " +
      "payouts, returned to the market's creator.",
    data: objectSchema<MarketSettledData>({
      required: ['status', 'outcome', 'residual'],
      properties: {
        status: { type: 'string', enum: ['resolved', 'cancelled'] },
        outcome: { type: ['string', 'null'], enum: [...OUTCOMES, null] },
        residual: ref('Credits'),
      },
    }),
    examples: [
      {
        version: 1,
        type: 'market.settled',
        marketId: 'b8b9e513-9909-4f9b-a9f5-01d604cdde20',
        data: { status: 'resolved', outcome: 'YES', residual: '0.00' } satisfies MarketSettledData,
        eventId: '0f1e2d3c-4b5a-4697-8877-665544332211',
        seq: 915,
        occurredAt: '2026-11-30T09:00:01.310Z',
      },
    ],
    later: [
      {
        version: 2,
        changes: '`outcome` is the winning outcome id of the market (null after CANCEL).',
        data: objectSchema<MarketSettledDataV2>({
          required: ['status', 'outcome', 'residual'],
          properties: {
            status: { type: 'string', enum: ['resolved', 'cancelled'] },
            outcome: { anyOf: [outcomeId, { type: 'null' }] },
            residual: ref('Credits'),
          },
        }),
        examples: [
          {
            version: 2,
            type: 'market.settled',
            marketId: 'c4e1f0a2-6b3d-4e8f-9a1c-2d3e4f5a6b7c',
            data: {
              status: 'resolved',
              outcome: 'p7h4w1zc',
              residual: '81.10',
            } satisfies MarketSettledDataV2,
            eventId: '6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d9e',
            seq: 993,
            occurredAt: '2026-12-30T09:00:01.310Z',
          },
        ],
      },
    ],
  },
};

/** `market.created` → `MarketCreated`. */
function pascalCase(type: string): string {
  return type
    .split(/[.-]/)
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join('');
}

/** The whole job data of one version of an event type. */
function versionPayload(type: EventType, version: number, data: JsonSchema, changes?: string) {
  return objectSchema<MarketEvent>({
    description:
      `The job data of a \`${type}\` job, version ${version}.` +
      (changes ? ` Changes from version ${version - 1}: ${changes}` : ''),
    required: ['version', 'type', 'marketId', 'data', 'eventId', 'seq', 'occurredAt'],
    properties: {
      version: payloadVersion(version),
      type: { type: 'string', const: type, description: 'The event type, also the job name.' },
      marketId: { ...ref('Uuid'), description: 'The market the event is about.' },
      data,
      eventId: {
        ...ref('Uuid'),
        description:
          'Unique, stable id of the event, the same on every re-delivery, and the BullMQ job id. Deduplicate on it.',
      },
      seq: {
        type: 'integer',
        minimum: 1,
        description:
          "Position in the API's event log: larger means written later; not contiguous. Comparable between events of one market.",
      },
      occurredAt: { ...ref('Timestamp'), description: 'When the change was committed.' },
    },
  });
}

/**
 * One message per event type (named as the job). A type with later versions has a payload of
 * `oneOf` every version: the API writes the latest (EVENT_VERSIONS), and jobs and logged
 * events written before still carry the older one.
 */
function eventMessage(type: EventType): MessageSpec {
  const event = EVENTS[type];
  const name = pascalCase(type);
  const current = EVENT_VERSIONS[type];
  const versions = [
    { version: 1, data: event.data, examples: event.examples, changes: undefined },
    ...(event.later ?? []),
  ];
  if (versions[versions.length - 1].version !== current) {
    throw new Error(
      `${type}: EVENT_VERSIONS says ${current}; the document describes up to ${versions.length}`,
    );
  }
  const payloads = versions.map((v) => versionPayload(type, v.version, v.data, v.changes));
  const examples = versions.flatMap((v) => v.examples);
  return {
    id: `${name[0].toLowerCase()}${name.slice(1)}V${current}`,
    name: type,
    title: event.title,
    summary: event.summary,
    description: event.description,
    payloadSchemaId: `${name}EventV${current}`,
    payload:
      payloads.length === 1
        ? payloads[0]
        : {
            description: `Version ${current} (written now) or an earlier one (${versions
              .slice(0, -1)
              .map((v) => v.version)
              .join(', ')}) from before; tell them apart by \`version\`.`,
            oneOf: payloads,
          },
    examples: examples.map((example, index) => ({
      name: examples.length > 1 ? `${type} (${index + 1}, v${example.version})` : type,
      summary: event.title,
      payload: example,
    })),
    extensions: { 'x-bullmq-job': { name: type, id: 'the event id (`data.eventId`)' } },
  };
}

export const MARKET_EVENTS_CHANNEL: ChannelSpec = {
  id: 'marketEvents',
  address: QUEUE_NAMES.marketEvents,
  title: 'market-events',
  description:
    'Domain events for other services, one job per event, job name = event type, job id = ' +
    '`eventId`. Written to the outbox in the same PostgreSQL transaction as the change and ' +
    'published by the relay in `seq` order per market. Delivery is at least once: deduplicate ' +
    'on `eventId`. One consuming service per queue. Details: docs/queues.md.',
  server: BULLMQ_SERVER,
  messages: (Object.keys(EVENTS) as EventType[]).map(eventMessage),
  operations: [
    {
      id: 'publishMarketEvent',
      action: 'send',
      title: 'Publish a market event',
      summary: 'The outbox relay (worker role) adds one job per committed domain event.',
    },
  ],
  extensions: bullmqChannelExtension(QUEUE_NAMES.marketEvents, MARKET_EVENT_JOB_OPTIONS),
};

/** What the stream channels need of an event type, every version of it together. */
export interface MarketEventDoc {
  title: string;
  summary: string;
  description?: string;
  /** The versions the log may hold, oldest first; the last is what the API writes now. */
  versions: number[];
  /** `anyOf` the versions' `data` schemas when there are several (each version's alone). */
  data: JsonSchema;
  examples: MarketEvent[];
}

/**
 * Each event type's `data` schema and examples, for the stream channels: a stream event's
 * `data` is this `data` (private streams) or its PUBLIC_FIELDS (public ones). `anyOf`, not
 * `oneOf`: a version-2 binary event's data also fits version 1's open schema.
 */
export const MARKET_EVENT_DOCS = Object.fromEntries(
  (Object.keys(EVENTS) as EventType[]).map((type): [EventType, MarketEventDoc] => {
    const event = EVENTS[type];
    const later = event.later ?? [];
    return [
      type,
      {
        title: event.title,
        summary: event.summary,
        description: event.description,
        versions: [1, ...later.map((v) => v.version)],
        data:
          later.length === 0 ? event.data : { anyOf: [event.data, ...later.map((v) => v.data)] },
        examples: [...event.examples, ...later.flatMap((v) => v.examples)],
      },
    ];
  }),
) as Record<EventType, MarketEventDoc>;
