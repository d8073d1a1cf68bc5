import { ApiProperty } from '@nestjs/swagger';
import { ValidateBy } from 'class-validator';
import { Field } from '../../common/openapi/field.decorator';
import {
  WEBHOOK_DELIVERY_STATUSES,
  WEBHOOK_EVENT_TYPES,
  WebhookDeliveryStatus,
  WebhookEventType,
} from '../../common/vocabulary';
import { DeliveryRow, WebhookRow } from './webhooks.repository';

export const MAX_WEBHOOK_MARKETS = 100;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The shape a webhook URL must have: absolute http(s), no user name or password (they would
 * be sent to the receiver and stored in the clear), no fragment. Where it points is checked
 * by the service (it resolves the host).
 */
export function urlShapeProblem(value: unknown): string | null {
  if (typeof value !== 'string') return 'url must be a string';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'url must be an absolute URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'url must be http or https';
  if (url.username || url.password) return 'url must not contain a user name or password';
  if (url.hash) return 'url must not contain a fragment';
  return null;
}

const IsWebhookUrl = () =>
  ValidateBy({
    name: 'isWebhookUrl',
    validator: {
      validate: (value: unknown) => urlShapeProblem(value) === null,
      defaultMessage: (args) => urlShapeProblem(args?.value) ?? 'url is not valid',
    },
  });

const URL_DESCRIPTION =
  'http(s) URL that receives a signed POST per event. Its host must resolve to public ' +
  'addresses only (no loopback, private, link-local, CGNAT or metadata ranges), checked ' +
  'again at each delivery; redirects are not followed.';
const EVENTS_DESCRIPTION =
  'Your own `trade.executed`, `balance.changed` and `position.settled`; and for `marketIds`, ' +
  'their public `market.updated`, `market.resolved`, `market.settled` and `trade.executed` ' +
  '(without the trader).';
const MARKETS_DESCRIPTION = `Markets whose public events are sent (at most ${MAX_WEBHOOK_MARKETS}).`;
const lowerUnique = (items: unknown[]) => [
  ...new Set(items.map((item) => (typeof item === 'string' ? item.toLowerCase() : item))),
];

export class CreateWebhookDto {
  @Field.text({
    min: 1,
    max: 2048,
    trim: true,
    description: URL_DESCRIPTION,
    example: 'https://bot.example.com/hooks/market',
  })
  @IsWebhookUrl()
  url!: string;

  @Field.enumList(WEBHOOK_EVENT_TYPES, {
    minItems: 1,
    maxItems: WEBHOOK_EVENT_TYPES.length,
    description: EVENTS_DESCRIPTION,
    example: ['trade.executed', 'market.resolved'],
  })
  events!: WebhookEventType[];

  @Field.stringList({
    optional: true,
    maxItems: MAX_WEBHOOK_MARKETS,
    pattern: UUID_PATTERN,
    patternMessage: 'each of marketIds must be a UUID',
    normalize: lowerUnique,
    description: `${MARKETS_DESCRIPTION} Absent: none.`,
    example: ['3f0b8f0e-4c1e-4d3b-9a59-2f7b0c1d9e21'],
  })
  marketIds?: string[];
}

export class UpdateWebhookDto {
  @Field.text({
    min: 1,
    max: 2048,
    trim: true,
    optional: true,
    description: URL_DESCRIPTION,
    example: 'https://bot.example.com/hooks/market',
  })
  @IsWebhookUrl()
  url?: string;

  @Field.enumList(WEBHOOK_EVENT_TYPES, {
    optional: true,
    minItems: 1,
    maxItems: WEBHOOK_EVENT_TYPES.length,
    description: EVENTS_DESCRIPTION,
    example: ['trade.executed'],
  })
  events?: WebhookEventType[];

  @Field.stringList({
    optional: true,
    maxItems: MAX_WEBHOOK_MARKETS,
    pattern: UUID_PATTERN,
    patternMessage: 'each of marketIds must be a UUID',
    normalize: lowerUnique,
    description: `${MARKETS_DESCRIPTION} Replaces the list.`,
    example: [],
  })
  marketIds?: string[];

  @Field.boolean({
    optional: true,
    description: 'false pauses deliveries; true resumes them and clears `disabledReason`.',
    example: true,
  })
  enabled?: boolean;
}

export class WebhookResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'https://bot.example.com/hooks/market' }) url!: string;
  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES, isArray: true, example: ['trade.executed'] })
  events!: WebhookEventType[];
  @ApiProperty({
    type: 'string',
    format: 'uuid',
    isArray: true,
    example: ['3f0b8f0e-4c1e-4d3b-9a59-2f7b0c1d9e21'],
  })
  marketIds!: string[];
  @ApiProperty({ example: true }) enabled!: boolean;
  @ApiProperty({
    type: String,
    nullable: true,
    example: null,
    description: 'Why the server disabled it (every delivery failing for 24 h); null otherwise.',
  })
  disabledReason!: string | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    example: null,
    description: 'Until when the secret before the last rotation still signs too.',
  })
  previousSecretExpiresAt!: string | null;
  @ApiProperty({ format: 'date-time', example: '2026-11-22T10:00:00.000Z' }) createdAt!: string;
  @ApiProperty({ format: 'date-time', example: '2026-11-22T10:00:00.000Z' }) updatedAt!: string;
}

export class WebhookWithSecretResponse extends WebhookResponse {
  @ApiProperty({
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    description:
      'The signing secret (Standard Webhooks: `whsec_` + base64). Shown this once; verify ' +
      '`webhook-signature` with it (docs/webhooks.md).',
  })
  secret!: string;
}

export class WebhookDeliveryResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'trade.executed', description: 'An event type, or `webhook.test`.' })
  eventType!: string;
  @ApiProperty({
    format: 'uuid',
    description:
      'The body `id` and the `webhook-id` header: the same for every attempt and replay.',
  })
  eventId!: string;
  @ApiProperty({
    type: 'integer',
    nullable: true,
    example: 42,
    description: "The webhook's own sequence (1, 2, 3, …); null for `webhook.test`.",
  })
  seq!: number | null;
  @ApiProperty({ enum: WEBHOOK_DELIVERY_STATUSES, example: 'succeeded' })
  status!: WebhookDeliveryStatus;
  @ApiProperty({ type: 'integer', example: 1 }) attempts!: number;
  @ApiProperty({ type: 'integer', nullable: true, example: 200 }) lastStatusCode!: number | null;
  @ApiProperty({ type: String, nullable: true, example: null }) lastError!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'ok',
    description: "The start (at most 1 kB) of the receiver's last answer.",
  })
  lastResponseBody!: string | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    example: null,
    description: 'When the next attempt is due while `pending`.',
  })
  nextAttemptAt!: string | null;
  @ApiProperty({ type: 'integer', nullable: true, example: 84 }) durationMs!: number | null;
  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    example: null,
    description: 'The delivery this one replays.',
  })
  replayOf!: string | null;
  @ApiProperty({ format: 'date-time', example: '2026-11-22T10:00:00.000Z' }) createdAt!: string;
}

export function toWebhookResponse(row: WebhookRow): WebhookResponse {
  return {
    id: row.id,
    url: row.url,
    events: row.events as WebhookEventType[],
    marketIds: row.marketIds,
    enabled: row.enabled,
    disabledReason: row.disabledReason,
    previousSecretExpiresAt:
      row.previousSecretExpiresAt && row.previousSecretExpiresAt.getTime() > Date.now()
        ? row.previousSecretExpiresAt.toISOString()
        : null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function toDeliveryResponse(row: DeliveryRow): WebhookDeliveryResponse {
  return {
    id: row.id,
    eventType: row.eventType,
    eventId: row.eventId,
    seq: row.seq,
    status: row.status,
    attempts: row.attempts,
    lastStatusCode: row.lastStatusCode,
    lastError: row.lastError,
    lastResponseBody: row.lastResponseBody,
    nextAttemptAt: row.status === 'pending' ? (row.nextAttemptAt?.toISOString() ?? null) : null,
    durationMs: row.durationMs,
    replayOf: row.replayOf,
    createdAt: row.createdAt.toISOString(),
  };
}
