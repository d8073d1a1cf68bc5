import type { ChannelSpec } from '../asyncapi-spec';
import { MARKET_EVENTS_CHANNEL } from './market-events.channel';
import { SEARCH_INDEX_CHANNEL } from './search-index.channel';
import { SETTLEMENT_CHANNEL } from './settlement.channel';
import { WEBHOOK_RECEIVER_CHANNEL, WEBHOOKS_CHANNEL } from './webhooks.channel';

/**
 * Every channel of the AsyncAPI document (docs/asyncapi.json), in the order readers meet
 * them. To add one (e.g. the SSE or WebSocket streams), write a ChannelSpec in a file beside
 * these, with its own ServerSpec, and list it here; then `npm run docs:asyncapi`.
 */
export const ASYNCAPI_CHANNELS: readonly ChannelSpec[] = [
  MARKET_EVENTS_CHANNEL,
  SETTLEMENT_CHANNEL,
  SEARCH_INDEX_CHANNEL,
  WEBHOOKS_CHANNEL,
  WEBHOOK_RECEIVER_CHANNEL,
];
