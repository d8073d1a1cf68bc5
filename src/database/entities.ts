import { DataSourceOptions } from 'typeorm';
import { ApiKeyEntity } from '../modules/auth/api-keys/api-key.entity';
import { RefreshTokenEntity } from '../modules/auth/refresh-token.entity';
import {
  EventLogEntity,
  EventStreamEntity,
  UserEventLogEntity,
} from '../modules/events/event-log.entity';
import { OutboxEventEntity } from '../modules/events/outbox-event.entity';
import { IdempotencyKeyEntity } from './idempotency/idempotency-key.entity';
import { MarketEntity } from '../modules/markets/market.entity';
import { MarketEmbeddingEntity } from '../modules/search/market-embedding.entity';
import { PositionEntity } from '../modules/trading/position.entity';
import { TradeEntity } from '../modules/trading/trade.entity';
import { LedgerEntryEntity } from '../modules/users/ledger-entry.entity';
import { UserEntity } from '../modules/users/user.entity';
import {
  WebhookCursorEntity,
  WebhookDeliveryEntity,
  WebhookEntity,
} from '../modules/webhooks/webhook.entity';

/**
 * Every TypeORM entity, one per table, listed once so the app, the CLI and tests agree.
 * test/schema-agreement.e2e-spec.ts fails when a table has none or one differs.
 */
export const ENTITIES: NonNullable<DataSourceOptions['entities']> & unknown[] = [
  UserEntity,
  LedgerEntryEntity,
  RefreshTokenEntity,
  ApiKeyEntity,
  MarketEntity,
  PositionEntity,
  TradeEntity,
  OutboxEventEntity,
  EventStreamEntity,
  EventLogEntity,
  UserEventLogEntity,
  IdempotencyKeyEntity,
  MarketEmbeddingEntity,
  WebhookEntity,
  WebhookDeliveryEntity,
  WebhookCursorEntity,
];
