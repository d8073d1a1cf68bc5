import type { ChannelSpec, MessageSpec } from '../asyncapi-spec';
import {
  API_HTTP_SERVER,
  CLOSE_REASONS,
  sseEventMessages,
  STREAM_EVENT_SCHEMAS,
} from './stream-events';

/** The last frame of a stream the server ends (SseSink.abort in src/modules/events/sse.ts). */
export const SSE_CLOSE_MESSAGE: MessageSpec = {
  id: 'streamClose',
  name: 'close',
  title: 'Stream closing',
  summary: 'The server ends the stream: why, and the seq to resume after.',
  description:
    '`shutdown`: the instance is restarting; `slow_consumer`: the client left more than the ' +
    'bound (1 MiB) unread; `unavailable`: the event log could not be read. Reconnect with ' +
    '`after=<resumeAfter>` (or `Last-Event-ID`); nothing is lost.',
  payloadSchemaId: 'StreamClose',
  payload: {
    type: 'object',
    required: ['reason', 'message', 'resumeAfter'],
    properties: {
      reason: { type: 'string', enum: [...CLOSE_REASONS] },
      message: { type: 'string' },
      resumeAfter: {
        type: 'integer',
        minimum: 0,
        description: 'The last seq sent on this stream: resume after it.',
      },
    },
  },
  headers: {
    type: 'object',
    properties: { event: { type: 'string', const: 'close' } },
  },
  examples: [
    {
      name: 'slow-consumer',
      summary: 'A client that stopped reading',
      payload: {
        reason: 'slow_consumer',
        message: 'The client read too slowly and its buffer filled; reconnect and resume.',
        resumeAfter: 4211,
      },
    },
  ],
};

const SSE_FRAMING =
  'Each event is one SSE frame: `id: <seq>`, `event: <type>`, `data: <the event as JSON>`. ' +
  'The stream starts with `retry: 1000`, a `: heartbeat` comment follows every 15 s, and the ' +
  'server ends it with `event: close` (reason and `resumeAfter`). Resume with `Last-Event-ID` ' +
  '(an EventSource sends it by itself) or `?after=<seq>`: replayed from the log, then live, ' +
  'without a gap or a duplicate. Errors before the stream starts are HTTP errors with the ' +
  'envelope (OpenAPI document, /docs-json). See docs/streaming.md.';

/** GET /api/stream: the public log over Server-Sent Events. */
export const PUBLIC_STREAM_CHANNEL: ChannelSpec = {
  id: 'publicStream',
  address: '/api/stream',
  title: 'Public events (SSE)',
  description:
    'Every public event, in `seq` order (global, without gaps); `?marketId=<id>[,<id>…]` (up ' +
    'to 50) keeps those markets only. Anonymous. Public events never name a trader. ' +
    SSE_FRAMING,
  server: API_HTTP_SERVER,
  bindings: { http: { method: 'GET' } },
  schemas: STREAM_EVENT_SCHEMAS,
  messages: [...sseEventMessages('public'), SSE_CLOSE_MESSAGE],
  operations: [
    {
      id: 'streamPublicEvents',
      action: 'send',
      title: 'Stream public events',
      summary: 'The API sends each public event as it is published, after any replay.',
    },
  ],
};

/** GET /api/me/stream: the caller's private log over Server-Sent Events. */
export const PRIVATE_STREAM_CHANNEL: ChannelSpec = {
  id: 'privateStream',
  address: '/api/me/stream',
  title: 'Your events (SSE)',
  description:
    "The caller's own events: fills (`trade.executed` with `userId`), `balance.changed` per " +
    "ledger entry, `position.settled`; `seq` counts this user's events only, without gaps. " +
    'Needs `Authorization: Bearer <access token or API key>`. ' +
    SSE_FRAMING,
  server: API_HTTP_SERVER,
  bindings: { http: { method: 'GET' } },
  schemas: STREAM_EVENT_SCHEMAS,
  messages: [...sseEventMessages('private'), SSE_CLOSE_MESSAGE],
  operations: [
    {
      id: 'streamPrivateEvents',
      action: 'send',
      title: 'Stream your events',
      summary: "The API sends each of the caller's events as it is published, after any replay.",
    },
  ],
};
