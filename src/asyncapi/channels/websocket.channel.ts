import { ERROR_CODES } from '../../common/errors/error-code';
import type { ChannelSpec, JsonSchema, MessageSpec } from '../asyncapi-spec';
import { ref } from './shared-schemas';
import {
  API_WS_SERVER,
  EXAMPLE_MARKET,
  EXAMPLE_USER,
  STREAM_EVENT_SCHEMAS,
  streamEventExamples,
  streamEventRefs,
} from './stream-events';

/*
 * GET /api/ws (src/modules/events/live-events.gateway.ts): one socket, several channels inside
 * it. Every message is a JSON text frame with an `op`; the message names here are the ops.
 */

const UUID_PATTERN = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const PUBLIC_CHANNEL_PATTERN = `^(markets|market:${UUID_PATTERN})$`;

const op = (name: string): JsonSchema => ({ type: 'string', const: name });

const channelName: JsonSchema = {
  type: 'string',
  pattern: `^(markets|me|market:${UUID_PATTERN})$`,
  description:
    "`markets`: every public event; `market:<id>`: one market's public events; `me`: your " +
    'own events (needs authentication). `markets` and `market:<id>` carry the global `seq`, ' +
    "`me` the user's own.",
  examples: ['markets', `market:${EXAMPLE_MARKET}`, 'me'],
};

/** Last seq sent per subscribed channel: subscribe again with `after` = these. */
const resumePositions: JsonSchema = {
  type: 'object',
  additionalProperties: { type: 'integer', minimum: 0 },
  description: 'The last seq sent on each subscribed channel: resubscribe with `after` = it.',
};

const seqAfter = (description: string): JsonSchema => ({
  type: 'integer',
  minimum: 0,
  description,
});

interface WsMessageDoc {
  name: string;
  title: string;
  summary: string;
  description?: string;
  properties: Record<string, JsonSchema>;
  required?: string[];
  /** Extra keywords of the payload schema (e.g. a `oneOf`). */
  extra?: JsonSchema;
  examples: Array<{ name: string; summary: string; payload: Record<string, unknown> }>;
}

/** `subscribe` → message `wsSubscribe`, payload `WsSubscribe`. */
function wsMessage(doc: WsMessageDoc): MessageSpec {
  const pascal = doc.name[0].toUpperCase() + doc.name.slice(1);
  return {
    id: `ws${pascal}`,
    name: doc.name,
    title: doc.title,
    summary: doc.summary,
    description: doc.description,
    payloadSchemaId: `Ws${pascal}`,
    payload: {
      type: 'object',
      required: ['op', ...(doc.required ?? [])],
      properties: { op: op(doc.name), ...doc.properties },
      ...doc.extra,
    },
    examples: doc.examples,
  };
}

const [publicExample] = streamEventExamples('public') as Array<{ seq: number }>;
const privateExamples = streamEventExamples('private') as Array<{ seq: number }>;

/** What a client sends (the API receives). */
const CLIENT_MESSAGES: MessageSpec[] = [
  wsMessage({
    name: 'auth',
    title: 'Authenticate',
    summary: 'Authenticates the socket (instead of the Authorization header of the upgrade).',
    description:
      'Answered by `authenticated`, or an `error` (`UNAUTHORIZED`). Switching users needs ' +
      '`me` unsubscribed first.',
    required: ['token'],
    properties: {
      token: {
        type: 'string',
        minLength: 1,
        description: 'An access token (JWT) or an API key, as in `Authorization: Bearer`.',
      },
    },
    examples: [{ name: 'auth', summary: 'Sign in', payload: { op: 'auth', token: 'eyJhbGciOi…' } }],
  }),
  wsMessage({
    name: 'subscribe',
    title: 'Subscribe to a channel',
    summary: 'Starts a channel: replayed from `after` (if given), then live.',
    description:
      'Answered by `subscribed` (with the seq the channel starts after), then `event`s; or an ' +
      '`error`: an unknown channel or a bad `after` (`VALIDATION_FAILED`), an `after` older ' +
      'than the retained log (`EVENTS_EXPIRED` with `details.oldestSeq`), `me` without ' +
      'authentication (`UNAUTHORIZED`), a channel already subscribed (`CONFLICT`), too many ' +
      '`me` streams of the user (`RATE_LIMITED`).',
    required: ['channel'],
    properties: {
      channel: channelName,
      after: seqAfter(
        'Resume after this seq of the channel; without it the channel starts with the next event.',
      ),
    },
    examples: [
      {
        name: 'resume-market',
        summary: 'Resume one market after seq 4210',
        payload: { op: 'subscribe', channel: `market:${EXAMPLE_MARKET}`, after: 4210 },
      },
      {
        name: 'me',
        summary: 'Your events from now on',
        payload: { op: 'subscribe', channel: 'me' },
      },
    ],
  }),
  wsMessage({
    name: 'unsubscribe',
    title: 'Unsubscribe from a channel',
    summary: 'Stops a channel; answered by `unsubscribed`.',
    required: ['channel'],
    properties: { channel: channelName },
    examples: [
      {
        name: 'unsubscribe',
        summary: 'Stop following all markets',
        payload: { op: 'unsubscribe', channel: 'markets' },
      },
    ],
  }),
  wsMessage({
    name: 'ping',
    title: 'Ping',
    summary: 'An application-level ping; answered by `pong`.',
    description:
      'The server also sends WebSocket ping frames every 15 s and closes (4000) a socket ' +
      'that did not answer the previous one; WebSocket clients answer those by themselves.',
    properties: {},
    examples: [{ name: 'ping', summary: 'Ping', payload: { op: 'ping' } }],
  }),
];

/** What the server sends. */
const SERVER_MESSAGES: MessageSpec[] = [
  wsMessage({
    name: 'event',
    title: 'An event',
    summary: 'One event of a subscribed channel, in seq order.',
    description:
      "`seq` is the event's own `seq`: global on `markets` and `market:<id>`, the user's on " +
      '`me`. Public channels carry public events (never a trader), `me` private ones.',
    required: ['channel', 'seq', 'event'],
    properties: {
      channel: channelName,
      seq: { type: 'integer', minimum: 1, description: 'The same as `event.seq`.' },
      event: { type: 'object', description: 'The event, as the SSE streams carry it.' },
    },
    extra: {
      oneOf: [
        {
          description: 'On `markets` or `market:<id>`: a public event.',
          properties: {
            channel: { type: 'string', pattern: PUBLIC_CHANNEL_PATTERN },
            event: { oneOf: streamEventRefs('public') },
          },
        },
        {
          description: 'On `me`: a private event.',
          properties: {
            channel: { type: 'string', const: 'me' },
            event: { oneOf: streamEventRefs('private') },
          },
        },
      ],
    },
    examples: [
      {
        name: 'public',
        summary: 'A public event on markets',
        payload: { op: 'event', channel: 'markets', seq: publicExample.seq, event: publicExample },
      },
      ...privateExamples.slice(0, 2).map((event, index) => ({
        name: `private-${index + 1}`,
        summary: 'A private event on me',
        payload: { op: 'event', channel: 'me', seq: event.seq, event },
      })),
    ],
  }),
  wsMessage({
    name: 'subscribed',
    title: 'Subscribed',
    summary: 'The channel is open; events with a larger `seq` follow.',
    required: ['channel', 'seq'],
    properties: {
      channel: channelName,
      seq: seqAfter('The channel starts after this seq (`after`, or the latest seq without it).'),
    },
    examples: [
      {
        name: 'subscribed',
        summary: 'Subscribed after 4210',
        payload: { op: 'subscribed', channel: `market:${EXAMPLE_MARKET}`, seq: 4210 },
      },
    ],
  }),
  wsMessage({
    name: 'unsubscribed',
    title: 'Unsubscribed',
    summary: 'The channel is stopped; no more events of it follow.',
    required: ['channel'],
    properties: { channel: channelName },
    examples: [
      {
        name: 'unsubscribed',
        summary: 'Unsubscribed',
        payload: { op: 'unsubscribed', channel: 'markets' },
      },
    ],
  }),
  wsMessage({
    name: 'authenticated',
    title: 'Authenticated',
    summary: 'The `auth` message was accepted.',
    required: ['userId'],
    properties: { userId: ref('Uuid') },
    examples: [
      {
        name: 'authenticated',
        summary: 'Authenticated',
        payload: { op: 'authenticated', userId: EXAMPLE_USER },
      },
    ],
  }),
  wsMessage({
    name: 'pong',
    title: 'Pong',
    summary: 'The answer to `ping`.',
    properties: {},
    examples: [{ name: 'pong', summary: 'Pong', payload: { op: 'pong' } }],
  }),
  wsMessage({
    name: 'error',
    title: 'Error',
    summary: 'A message was refused, or a channel stopped; the socket stays open.',
    description:
      "`code` is one of the API's error codes (as in the HTTP envelope), `channel` the " +
      'channel the refused message named. `SERVICE_UNAVAILABLE` with `resumeAfter`: the event ' +
      'log could not be read and the channel stopped; subscribe again with `after`.',
    required: ['code', 'message'],
    properties: {
      code: { type: 'string', enum: ERROR_CODES },
      message: { type: 'string' },
      channel: { type: 'string' },
      details: { type: 'object', description: 'As in the HTTP envelope, e.g. `oldestSeq`.' },
      resumeAfter: seqAfter('The last seq sent on the stopped channel.'),
    },
    examples: [
      {
        name: 'unknown-channel',
        summary: 'An unknown channel',
        payload: {
          op: 'error',
          code: 'VALIDATION_FAILED',
          message: 'Unknown channel "prices"; use "markets", "market:<id>" or "me".',
          channel: 'prices',
        },
      },
      {
        name: 'expired',
        summary: 'An after older than the retained log',
        payload: {
          op: 'error',
          code: 'EVENTS_EXPIRED',
          message:
            'Events after seq 12 are no longer kept; the oldest available seq is 3001. Reload the current state and resume from there.',
          channel: 'markets',
          details: { after: 12, oldestSeq: 3001 },
        },
      },
    ],
  }),
  wsMessage({
    name: 'reconnect',
    title: 'Reconnect',
    summary: 'The server is restarting: it closes the socket (1012) right after.',
    description: 'Connect again (any instance) and resubscribe with `after` = `resume[channel]`.',
    required: ['reason', 'message', 'resume'],
    properties: {
      reason: { type: 'string', enum: ['shutdown'] },
      message: { type: 'string' },
      resume: resumePositions,
    },
    examples: [
      {
        name: 'shutdown',
        summary: 'Graceful shutdown',
        payload: {
          op: 'reconnect',
          reason: 'shutdown',
          message: 'The server is restarting; reconnect and resume.',
          resume: { markets: 4211, me: 9 },
        },
      },
    ],
  }),
  wsMessage({
    name: 'closing',
    title: 'Closing: too slow',
    summary: 'The client left too much unread: the server closes the socket (4008) right after.',
    description:
      'Sent when more than the bound (1 MiB) waits unread on the socket, or 10,000 live ' +
      'events behind a replay. Connect again and resubscribe with `after` = `resume[channel]`.',
    required: ['reason', 'resume'],
    properties: {
      reason: { type: 'string', enum: ['slow_consumer'] },
      resume: resumePositions,
    },
    examples: [
      {
        name: 'slow-consumer',
        summary: 'A client that stopped reading',
        payload: { op: 'closing', reason: 'slow_consumer', resume: { markets: 4211 } },
      },
    ],
  }),
];

export const WEBSOCKET_CHANNEL: ChannelSpec = {
  id: 'webSocket',
  address: '/api/ws',
  title: 'Event streams (WebSocket)',
  description:
    'One WebSocket, several channels: `markets`, `market:<id>`, `me`. Send `subscribe` (with ' +
    '`after` to resume), `unsubscribe`, `auth`, `ping`; the server answers each and sends ' +
    '`event`s with their channel and `seq`. Authenticate with the `Authorization` header of ' +
    'the upgrade or an `auth` message, never in the URL (`?token=` is a 400 before the ' +
    'upgrade). Refusals before the upgrade (400, 401, 429, 503) are HTTP errors with the ' +
    'envelope. Close codes: 1012 server restarting (after `reconnect`), 4008 too slow (after ' +
    '`closing`), 4000 no pong to the server ping. Client messages are at most 4 KiB. See ' +
    'docs/streaming.md.',
  server: API_WS_SERVER,
  bindings: {
    ws: {
      method: 'GET',
      headers: {
        type: 'object',
        properties: {
          Authorization: {
            type: 'string',
            description: '`Bearer <access token or API key>`; optional (or send `auth`).',
          },
        },
      },
      bindingVersion: '0.1.0',
    },
  },
  schemas: STREAM_EVENT_SCHEMAS,
  messages: [...CLIENT_MESSAGES, ...SERVER_MESSAGES],
  operations: [
    {
      id: 'receiveWebSocketRequest',
      action: 'receive',
      title: 'Client requests',
      summary: 'What a client sends: `auth`, `subscribe`, `unsubscribe`, `ping`.',
      messageIds: CLIENT_MESSAGES.map((message) => message.id),
    },
    {
      id: 'sendWebSocketMessage',
      action: 'send',
      title: 'Server messages',
      summary: 'Events of the subscribed channels, answers, errors and closing hints.',
      messageIds: SERVER_MESSAGES.map((message) => message.id),
    },
  ],
};
