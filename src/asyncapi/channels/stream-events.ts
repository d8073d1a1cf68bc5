import { LEDGER_KINDS } from '../../common/vocabulary';
import type {
  PrivateEvent,
  PrivateEventType,
  PublicEvent,
} from '../../modules/events/event-log.types';
import { PUBLIC_FIELDS, publicData } from '../../modules/events/event-projection';
import type { MarketEvent } from '../../modules/events/market-event';
import { EVENT_TYPES, type EventType } from '../../modules/events/outbox.service';
import { OUTCOME_ID_FORMAT, OUTCOME_ID_PATTERN } from '../../modules/markets';
import {
  type JsonSchema,
  type MessageExample,
  type MessageSpec,
  objectSchema,
  type ServerSpec,
} from '../asyncapi-spec';
import { MARKET_EVENT_DOCS } from './market-events.channel';
import { payloadVersion, ref } from './shared-schemas';

/*
 * The events of the public and private logs as the streams carry them (SSE `data:`, the
 * WebSocket `event` message's `event`, GET /api/events items). Public schemas are projections
 * of the market-events schemas onto PUBLIC_FIELDS, so a field made public there appears here
 * (and one not documented there fails the build); private types are described below.
 */

/** The API's own HTTP server: SSE responses. */
export const API_HTTP_SERVER: ServerSpec = {
  id: 'api',
  host: 'localhost:3000',
  protocol: 'http',
  title: 'The API (HTTP)',
  description:
    'The API itself (`PORT`, default 3000); `https` behind a TLS-terminating proxy, which must ' +
    'not buffer `text/event-stream` responses. Server-Sent Events over HTTP/1.1.',
};

/** The same server, upgraded: the WebSocket. */
export const API_WS_SERVER: ServerSpec = {
  id: 'apiWebSocket',
  host: 'localhost:3000',
  protocol: 'ws',
  title: 'The API (WebSocket)',
  description:
    'The API itself (`PORT`, default 3000); `wss` behind a TLS-terminating proxy, which must ' +
    'allow the upgrade on `/api/ws`. Authenticate with the `Authorization` header of the ' +
    'upgrade request or an `auth` message; never in the URL.',
};

/** `data` of a private `balance.changed`: one per ledger entry the source event caused. */
export interface BalanceChangedData {
  marketId: string;
  kind: (typeof LEDGER_KINDS)[number];
  amount: string;
  balanceAfter: string;
  reason?: string;
}

/** `data` of a private `position.settled`: one per position of a settled market. */
export interface PositionSettledData {
  marketId: string;
  status: 'resolved' | 'cancelled';
  /** An outcome id (version 1: YES or NO). */
  marketOutcome: string | null;
  positionId: string;
  outcome: string;
  shares: string;
  payout: string;
}

/**
 * Versions of the private events: each takes the version of the market event that caused it
 * (version 2 once outcome ids came, issue 16; docs/queues.md "Versions").
 */
const PRIVATE_VERSIONS = [1, 2];

const outcomeId: JsonSchema = {
  type: 'string',
  pattern: OUTCOME_ID_PATTERN.source,
  description: `An outcome id: ${OUTCOME_ID_FORMAT} (version 1: \`YES\` or \`NO\`).`,
};

interface StreamEventDoc<E> {
  title: string;
  summary: string;
  description?: string;
  /** The payload versions the log may hold; the last is the current one. */
  versions: number[];
  data: JsonSchema;
  examples: E[];
}

/** `data` keeps only the PUBLIC_FIELDS of each branch; a listed field must be documented. */
function publicDataSchema(type: EventType, schema: JsonSchema): JsonSchema {
  const fields = PUBLIC_FIELDS[type];
  const documented = new Set<string>();
  const project = (branch: JsonSchema): JsonSchema => {
    for (const key of ['oneOf', 'anyOf'] as const) {
      if (Array.isArray(branch[key])) {
        return { ...branch, [key]: (branch[key] as JsonSchema[]).map(project) };
      }
    }
    const properties = branch.properties as Record<string, JsonSchema>;
    const kept = Object.keys(properties).filter((name) => fields.includes(name));
    kept.forEach((name) => documented.add(name));
    return {
      ...branch,
      required: (branch.required as string[]).filter((name) => fields.includes(name)),
      properties: Object.fromEntries(kept.map((name) => [name, properties[name]])),
    };
  };
  const projected = project(schema);
  const undocumented = fields.filter((field) => !documented.has(field));
  if (undocumented.length > 0) {
    throw new Error(`AsyncAPI: public ${type} fields without a schema: ${undocumented.join(', ')}`);
  }
  return projected;
}

/** A market-events example as the public log shows it (the relay's own projection). */
function publicExample(example: MarketEvent, seq: number): PublicEvent {
  return {
    seq,
    id: example.eventId,
    type: example.type,
    version: example.version,
    occurredAt: example.occurredAt,
    marketId: example.marketId,
    data: publicData(example.type, example.data),
  };
}

const PUBLIC_EVENTS = Object.fromEntries(
  EVENT_TYPES.map((type, index): [EventType, StreamEventDoc<PublicEvent>] => {
    const doc = MARKET_EVENT_DOCS[type];
    return [
      type,
      {
        title: doc.title,
        summary: doc.summary,
        description: doc.description,
        versions: doc.versions,
        data: publicDataSchema(type, doc.data),
        examples: doc.examples.map((example, n) => publicExample(example, 41 + index * 2 + n)),
      },
    ];
  }),
) as Record<EventType, StreamEventDoc<PublicEvent>>;

const EXAMPLE_MARKET = 'b8b9e513-9909-4f9b-a9f5-01d604cdde20';
const EXAMPLE_USER = 'b902be0d-1fea-434c-bb04-af9aaa7ae33b';
const EXAMPLE_TRADE = MARKET_EVENT_DOCS['trade.executed'].examples[0];

/** One entry per private type: a type added to PRIVATE_EVENT_TYPES fails tsc until described. */
const PRIVATE_EVENTS: Record<PrivateEventType, StreamEventDoc<PrivateEvent>> = {
  'trade.executed': {
    title: 'Your trade executed',
    summary: 'A fill of your own: the public event with your `userId`.',
    versions: MARKET_EVENT_DOCS['trade.executed'].versions,
    data: MARKET_EVENT_DOCS['trade.executed'].data,
    examples: [
      {
        seq: 3,
        id: '5e0a8c1d-7b3f-4e2a-9c6d-1f8e7a6b5c4d',
        type: 'trade.executed',
        version: EXAMPLE_TRADE.version,
        occurredAt: EXAMPLE_TRADE.occurredAt,
        marketId: EXAMPLE_TRADE.marketId,
        data: EXAMPLE_TRADE.data,
      },
    ],
  },
  'balance.changed': {
    title: 'Your balance changed',
    summary: 'One per ledger entry a market event caused for you.',
    description:
      "A buy or sell (`amount` negative when you paid), a market creator's subsidy, a " +
      "deleted market's refund, a payout or refund at settlement, a creator's residual. " +
      '`balanceAfter` is your balance after this entry.',
    versions: PRIVATE_VERSIONS,
    data: objectSchema<BalanceChangedData>({
      required: ['marketId', 'kind', 'amount', 'balanceAfter'],
      properties: {
        marketId: ref('Uuid'),
        kind: { type: 'string', enum: LEDGER_KINDS.filter((kind) => kind !== 'grant') },
        amount: { ...ref('Credits'), description: 'Signed: negative when credits left you.' },
        balanceAfter: ref('Credits'),
        reason: { type: 'string', description: 'Why, when the ledger entry says.' },
      },
    }),
    examples: [
      {
        seq: 4,
        id: '8a2b4c6d-1e3f-4a5b-8c7d-9e0f1a2b3c4d',
        type: 'balance.changed',
        version: 2,
        occurredAt: EXAMPLE_TRADE.occurredAt,
        marketId: EXAMPLE_MARKET,
        data: {
          marketId: EXAMPLE_MARKET,
          kind: 'buy',
          amount: '-10.00',
          balanceAfter: '890.00',
        } satisfies BalanceChangedData,
      },
      {
        seq: 9,
        id: 'c4d5e6f7-0a1b-4c2d-8e3f-5a6b7c8d9e0f',
        type: 'balance.changed',
        version: 2,
        occurredAt: '2026-11-30T09:00:01.310Z',
        marketId: EXAMPLE_MARKET,
        data: {
          marketId: EXAMPLE_MARKET,
          kind: 'residual',
          amount: '64.76',
          balanceAfter: '935.21',
          reason: 'collateral left after payouts',
        } satisfies BalanceChangedData,
      },
    ],
  },
  'position.settled': {
    title: 'Your position settled',
    summary: 'A position of yours in a resolved or cancelled market was paid or refunded.',
    description:
      '`outcome` is the side you held, `marketOutcome` how the market resolved (null when ' +
      'cancelled); `payout` is what you received for the position.',
    versions: PRIVATE_VERSIONS,
    data: objectSchema<PositionSettledData>({
      required: [
        'marketId',
        'status',
        'marketOutcome',
        'positionId',
        'outcome',
        'shares',
        'payout',
      ],
      properties: {
        marketId: ref('Uuid'),
        status: { type: 'string', enum: ['resolved', 'cancelled'] },
        marketOutcome: { anyOf: [outcomeId, { type: 'null' }] },
        positionId: ref('Uuid'),
        outcome: outcomeId,
        shares: ref('Shares'),
        payout: ref('Credits'),
      },
    }),
    examples: [
      {
        seq: 8,
        id: '2f3e4d5c-6b7a-4898-a7b6-c5d4e3f2a1b0',
        type: 'position.settled',
        version: 2,
        occurredAt: '2026-11-30T09:00:01.310Z',
        marketId: EXAMPLE_MARKET,
        data: {
          marketId: EXAMPLE_MARKET,
          status: 'resolved',
          marketOutcome: 'YES',
          positionId: '3c9d8e7f-6a5b-4c4d-9e3f-2a1b0c9d8e7f',
          outcome: 'YES',
          shares: '19.090282',
          payout: '19.09',
        } satisfies PositionSettledData,
      },
    ],
  },
};

export type StreamVisibility = 'public' | 'private';

/** `trade.executed` → `TradeExecuted`. */
function pascalCase(type: string): string {
  return type
    .split(/[.-]/)
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join('');
}

/** The current version of a stream event type (the last of its versions). */
function currentVersion(visibility: StreamVisibility, type: string): number {
  const docs: Record<string, StreamEventDoc<unknown>> = visibility === 'public'
    ? PUBLIC_EVENTS
    : PRIVATE_EVENTS;
  return docs[type].versions[docs[type].versions.length - 1];
}

/** Key in `components.schemas` of a stream event: `PublicTradeExecutedEventV2`. */
export function streamEventSchemaId(visibility: StreamVisibility, type: string): string {
  const prefix = visibility === 'public' ? 'Public' : 'Private';
  return `${prefix}${pascalCase(type)}EventV${currentVersion(visibility, type)}`;
}

function versionSchema(versions: number[]): JsonSchema {
  return versions.length === 1
    ? payloadVersion(versions[0])
    : {
        type: 'integer',
        enum: versions,
        description:
          `Payload schema version: ${versions[versions.length - 1]} now, earlier ones in events ` +
          'logged before (docs/queues.md, "Versions"). Consumers must refuse a version they do not know.',
      };
}

function streamEventSchema(
  visibility: StreamVisibility,
  type: string,
  doc: StreamEventDoc<unknown>,
): JsonSchema {
  const properties = {
    seq: {
      type: 'integer',
      minimum: 1,
      description:
        visibility === 'public'
          ? 'Position in the public log: 1, 2, 3, … in publish order, without gaps. Resume after it.'
          : "Position in the user's own log: 1, 2, 3, … without gaps. Resume after it.",
    },
    id: {
      ...ref('Uuid'),
      description:
        visibility === 'public'
          ? "The event id, stable (the market-events job's `eventId`): deduplicate on it."
          : 'The id of this private event, stable: deduplicate on it.',
    },
    type: { type: 'string', const: type, description: 'The event type, also the SSE `event`.' },
    version: versionSchema(doc.versions),
    occurredAt: { ...ref('Timestamp'), description: 'When the change was committed.' },
    marketId: { ...ref('Uuid'), description: 'The market the event is about.' },
    data: doc.data,
  };
  const required = ['seq', 'id', 'type', 'version', 'occurredAt', 'marketId', 'data'] as const;
  const description =
    visibility === 'public'
      ? `A public \`${type}\` event (versions ${doc.versions.join(', ')}): never names a trader.`
      : `A private \`${type}\` event (versions ${doc.versions.join(', ')}): only on its user's stream.`;
  return visibility === 'public'
    ? objectSchema<PublicEvent>({ description, required, properties })
    : objectSchema<PrivateEvent>({ description, required, properties });
}

function docsOf(visibility: StreamVisibility): Array<[string, StreamEventDoc<unknown>]> {
  const docs: Record<string, StreamEventDoc<unknown>> = visibility === 'public'
    ? PUBLIC_EVENTS
    : PRIVATE_EVENTS;
  return Object.entries(docs);
}

/** Every stream event schema, keyed by streamEventSchemaId. */
export const STREAM_EVENT_SCHEMAS: Record<string, JsonSchema> = Object.fromEntries(
  (['public', 'private'] as const).flatMap((visibility) =>
    docsOf(visibility).map(([type, doc]) => [
      streamEventSchemaId(visibility, type),
      streamEventSchema(visibility, type, doc),
    ]),
  ),
);

/** `$ref`s to the event schemas of one visibility, for a `oneOf` (types are distinct). */
export function streamEventRefs(visibility: StreamVisibility): JsonSchema[] {
  return docsOf(visibility).map(([type]) => ref(streamEventSchemaId(visibility, type)));
}

/** Examples of every stream event of one visibility. */
export function streamEventExamples(visibility: StreamVisibility): unknown[] {
  return docsOf(visibility).flatMap(([, doc]) => doc.examples);
}

/** The SSE frame: `id: <seq>` and `event: <type>` around the JSON `data:` line. */
function sseHeaders(type: string): JsonSchema {
  return {
    type: 'object',
    description: 'The SSE fields of the frame besides `data` (the payload, one JSON line).',
    properties: {
      id: {
        type: 'string',
        pattern: '^\\d+$',
        description: "The event's `seq`; a reconnecting EventSource sends it as `Last-Event-ID`.",
      },
      event: { type: 'string', const: type },
    },
  };
}

/** One SSE message per event type of a stream, named as its SSE `event`. */
export function sseEventMessages(visibility: StreamVisibility): MessageSpec[] {
  return docsOf(visibility).map(([type, doc]) => {
    const schemaId = streamEventSchemaId(visibility, type);
    const examples: MessageExample[] = doc.examples.map((payload, index) => ({
      name: doc.examples.length > 1 ? `${type} (${index + 1})` : type,
      summary: doc.title,
      payload,
    }));
    return {
      id: `${schemaId[0].toLowerCase()}${schemaId.slice(1).replace(/Event(V\d+)$/, '$1')}`,
      name: type,
      title: doc.title,
      summary: doc.summary,
      description: doc.description,
      payloadSchemaId: schemaId,
      payload: STREAM_EVENT_SCHEMAS[schemaId],
      headers: sseHeaders(type),
      examples,
    };
  });
}

/** Why the server ends a stream (SSE `close` data, WebSocket `closing`/`reconnect`). */
export const CLOSE_REASONS = ['shutdown', 'slow_consumer', 'unavailable'] as const;

export { EXAMPLE_MARKET, EXAMPLE_USER };
