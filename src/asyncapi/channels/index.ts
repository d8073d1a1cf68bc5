import type { ChannelSpec } from '../asyncapi-spec';
import { MARKET_EVENTS_CHANNEL } from './market-events.channel';
import { SEARCH_INDEX_CHANNEL } from './search-index.channel';
import { SETTLEMENT_CHANNEL } from './settlement.channel';
import { PRIVATE_STREAM_CHANNEL, PUBLIC_STREAM_CHANNEL } from './sse-streams.channel';
import { WEBHOOK_RECEIVER_CHANNEL, WEBHOOKS_CHANNEL } from './webhooks.channel';
import { WEBSOCKET_CHANNEL } from './websocket.channel';

/**
 * Every channel of the AsyncAPI document (docs/asyncapi.json), in the order readers meet
 * them: the queues, webhooks, then the streams. To add one, write a ChannelSpec in a file
 * beside these, with its ServerSpec, and list it here; then `npm run docs:asyncapi`.
 */
export const ASYNCAPI_CHANNELS: readonly ChannelSpec[] = [
  MARKET_EVENTS_CHANNEL,
  SETTLEMENT_CHANNEL,
  SEARCH_INDEX_CHANNEL,
  WEBHOOKS_CHANNEL,
  WEBHOOK_RECEIVER_CHANNEL,
  PUBLIC_STREAM_CHANNEL,
  PRIVATE_STREAM_CHANNEL,
  WEBSOCKET_CHANNEL,
];
