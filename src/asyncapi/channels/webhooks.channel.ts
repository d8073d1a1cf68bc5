import { WEBHOOK_EVENT_TYPES, WEBHOOK_TEST_EVENT } from '../../common/vocabulary';
import {
  DELIVER_WEBHOOK_JOB,
  type DeliverWebhookJobDataV1,
  WEBHOOK_JOB_OPTIONS,
  WEBHOOKS_QUEUE,
} from '../../modules/webhooks/webhooks.jobs';
import { type ChannelSpec, objectSchema, type ServerSpec } from '../asyncapi-spec';
import { BULLMQ_SERVER, bullmqChannelExtension } from './bullmq-server';
import { payloadVersion, ref } from './shared-schemas';

const EXAMPLE_DELIVERY = '0b7c4a52-54f1-4f0e-9d7e-3c1f0fbb1e0d';

/** The queue of delivery attempts (internal; documented for operators and the dashboard). */
export const WEBHOOKS_CHANNEL: ChannelSpec = {
  id: 'webhooks',
  address: WEBHOOKS_QUEUE,
  title: 'webhooks',
  description:
    'One job per delivery attempt of a webhook. The dispatcher adds attempt 1 for each event ' +
    'a webhook matches; a failed attempt records its outcome and adds the next attempt as a ' +
    'delayed job (exponential backoff with jitter, for 24 h). Internal to the API; the ' +
    'receivers get the `webhookEvent` messages of the `webhookReceiver` channel. Details: ' +
    'docs/webhooks.md.',
  server: BULLMQ_SERVER,
  messages: [
    {
      id: 'deliverWebhookV1',
      name: DELIVER_WEBHOOK_JOB,
      title: 'Attempt a webhook delivery',
      summary: 'Make attempt `attempt` of one delivery (a row of webhook_deliveries).',
      description:
        'Job id `<deliveryId>-a<attempt>`, so adding an attempt twice is a no-op. A job whose ' +
        'attempt is already recorded does nothing.',
      payloadSchemaId: 'DeliverWebhookJobV1',
      payload: objectSchema<DeliverWebhookJobDataV1>({
        description: 'The job data of a `webhook.deliver` job (version 1).',
        required: ['version', 'deliveryId', 'attempt'],
        properties: {
          version: payloadVersion(1),
          deliveryId: ref('Uuid'),
          attempt: { type: 'integer', minimum: 1, description: '1 for the first attempt.' },
        },
      }),
      examples: [
        {
          name: 'first-attempt',
          summary: 'The first attempt of a delivery',
          payload: {
            version: 1,
            deliveryId: EXAMPLE_DELIVERY,
            attempt: 1,
          } satisfies DeliverWebhookJobDataV1,
        },
      ],
      extensions: { 'x-bullmq-job': { name: DELIVER_WEBHOOK_JOB, id: '<deliveryId>-a<attempt>' } },
    },
  ],
  operations: [
    {
      id: 'enqueueWebhookAttempt',
      action: 'send',
      title: 'Enqueue a delivery attempt',
      summary: 'By the dispatcher, test, replay, a failed attempt (the next one) and the sweep.',
    },
    {
      id: 'attemptWebhookDelivery',
      action: 'receive',
      title: 'Attempt a delivery',
      summary: 'The worker role POSTs the signed event to the webhook URL (concurrency 8).',
    },
  ],
  extensions: bullmqChannelExtension(WEBHOOKS_QUEUE, WEBHOOK_JOB_OPTIONS),
};

const RECEIVER: ServerSpec = {
  id: 'webhookReceiver',
  host: 'receiver.example.com',
  protocol: 'https',
  title: "A webhook's URL",
  description:
    'The http(s) URL a user registered with POST /api/me/webhooks. It must resolve to public ' +
    'addresses only; redirects are not followed; any 2xx within 10 s is success.',
};

/** What a receiver is sent: one signed POST per event (API.md "Webhooks"). */
export const WEBHOOK_RECEIVER_CHANNEL: ChannelSpec = {
  id: 'webhookReceiver',
  address: '/',
  title: 'Webhook deliveries',
  description:
    'Each event a webhook subscribes to is POSTed as JSON to its URL, signed as Standard ' +
    'Webhooks are. Verify `webhook-signature` (any one of its space-separated `v1,<sig>` ' +
    'entries may match: two during the 24 h after a secret rotation), refuse a ' +
    '`webhook-timestamp` more than 5 minutes off, and de-duplicate by `webhook-id` (the ' +
    'same for every retry and replay). Deliveries may arrive out of order: `seq` (the ' +
    "webhook's own 1, 2, 3, …) orders them and shows a gap. See docs/webhooks.md.",
  server: RECEIVER,
  bindings: { http: { method: 'POST' } },
  messages: [
    {
      id: 'webhookEvent',
      name: 'webhook-event',
      title: 'A webhook event',
      summary: 'One event, signed.',
      payloadSchemaId: 'WebhookEvent',
      payload: {
        type: 'object',
        required: ['id', 'type', 'seq', 'occurredAt', 'data'],
        properties: {
          id: {
            ...ref('Uuid'),
            description: 'The event id; also the `webhook-id` header.',
          },
          type: { type: 'string', enum: [...WEBHOOK_EVENT_TYPES, WEBHOOK_TEST_EVENT] },
          seq: {
            type: ['integer', 'null'],
            minimum: 1,
            description: "The webhook's own sequence, gap-free; null for `webhook.test`.",
          },
          occurredAt: ref('Timestamp'),
          data: {
            type: 'object',
            description:
              'The event as the streams carry it (docs/streaming.md), with `marketId`. Public ' +
              'events never name a trader.',
          },
        },
      },
      headers: {
        type: 'object',
        required: ['webhook-id', 'webhook-timestamp', 'webhook-signature'],
        properties: {
          'webhook-id': { type: 'string', description: 'The body `id`.' },
          'webhook-timestamp': { type: 'string', pattern: '^\\d+$', description: 'Unix seconds.' },
          'webhook-signature': {
            type: 'string',
            pattern: '^v1,[A-Za-z0-9+/=]+( v1,[A-Za-z0-9+/=]+)*$',
            description:
              'base64 HMAC-SHA256, keyed by the secret after `whsec_` (base64-decoded), of `<webhook-id>.<webhook-timestamp>.<body>`.',
          },
        },
      },
      examples: [
        {
          name: 'trade-executed',
          summary: "The owner's own fill",
          payload: {
            id: '6f1d2c3b-4a59-4e21-9b0c-7d8e9f0a1b2c',
            type: 'trade.executed',
            seq: 7,
            occurredAt: '2026-11-22T21:06:43.184Z',
            data: {
              marketId: 'b8b9e513-9909-4f9b-a9f5-01d604cdde20',
              tradeId: '2d4c6e8f-0a1b-4c3d-8e5f-6a7b8c9d0e1f',
              side: 'buy',
              outcome: 'YES',
              shares: '9.512294',
              amount: '5.00',
            },
          },
        },
        {
          name: 'webhook-test',
          summary: 'A test delivery',
          payload: {
            id: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
            type: WEBHOOK_TEST_EVENT,
            seq: null,
            occurredAt: '2026-11-22T21:06:43.184Z',
            data: { webhookId: EXAMPLE_DELIVERY, message: 'A test delivery, sent on request.' },
          },
        },
      ],
    },
  ],
  operations: [
    {
      id: 'sendWebhookEvent',
      action: 'send',
      title: 'Deliver an event',
      summary: 'POST to the webhook URL; retried until a 2xx, for 24 h.',
    },
  ],
};
