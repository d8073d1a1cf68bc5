import {
  Check,
  Column,
  Entity,
  ForeignKey,
  Index,
  PrimaryColumn,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { WebhookDeliveryStatus } from '../../common/vocabulary';
import { UserEntity } from '../users/user.entity';

/** A URL a user registered for events; `secret` signs every delivery (Standard Webhooks). */
@Entity('webhooks')
@Index('webhooks_user_idx', ['userId', 'createdAt'])
@Check('webhooks_url_check', 'char_length(url) BETWEEN 1 AND 2048')
@Check('webhooks_events_check', 'cardinality(events) > 0')
export class WebhookEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid')
  @ForeignKey(() => UserEntity, { name: 'webhooks_user_id_fkey', onDelete: 'CASCADE' })
  userId!: string;
  @Column('text') url!: string;
  @Column('text', { array: true }) events!: string[];
  @Column('uuid', { array: true, default: () => "'{}'" }) marketIds!: string[];
  @Column('boolean', { default: true }) enabled!: boolean;
  @Column('text', { nullable: true }) disabledReason!: string | null;
  @Column('text') secret!: string;
  @Column('text', { nullable: true }) previousSecret!: string | null;
  @Column('timestamp with time zone', { precision: 3, nullable: true })
  previousSecretExpiresAt!: Date | null;
  /** The public log's seq when the webhook was created: earlier events are not delivered. */
  @Column('bigint', { default: 0 }) startSeq!: string;
  /** The seq of the webhook's latest delivery (its own 1, 2, 3, …). */
  @Column('bigint', { default: 0 }) lastSeq!: string;
  /** First failed attempt since the last success; 24 h later the webhook is disabled. */
  @Column('timestamp with time zone', { precision: 3, nullable: true }) failingSince!: Date | null;
  @Column('timestamp with time zone', { precision: 3, default: () => 'now()' }) createdAt!: Date;
  @Column('timestamp with time zone', { precision: 3, default: () => 'now()' }) updatedAt!: Date;
}

/** One event sent (or being sent) to one webhook, with the outcome of its latest attempt. */
@Entity('webhook_deliveries')
@Index('webhook_deliveries_event_key', ['webhookId', 'eventId'], {
  unique: true,
  where: 'replay_of IS NULL',
})
@Index('webhook_deliveries_webhook_idx', ['webhookId', 'createdAt', 'id'])
@Index('webhook_deliveries_due_idx', ['nextAttemptAt'], { where: `status = 'pending'` })
@Check('webhook_deliveries_status_check', `status IN ('pending', 'succeeded', 'failed')`)
export class WebhookDeliveryEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid')
  @ForeignKey(() => WebhookEntity, {
    name: 'webhook_deliveries_webhook_id_fkey',
    onDelete: 'CASCADE',
  })
  webhookId!: string;
  @Column('uuid') eventId!: string;
  @Column('text') eventType!: string;
  /** null for `webhook.test`, which belongs to no sequence. */
  @Column('bigint', { nullable: true }) seq!: string | null;
  /** The body sent, exactly: `{id, type, seq, occurredAt, data}`. */
  @Column('jsonb') payload!: unknown;
  /** The delivery this one replays (no foreign key: the log of a replay outlives its original). */
  @Column('uuid', { nullable: true }) replayOf!: string | null;
  @Column('text', { default: 'pending' }) status!: WebhookDeliveryStatus;
  @Column('integer', { default: 0 }) attempts!: number;
  @Column('integer', { nullable: true }) lastStatusCode!: number | null;
  @Column('text', { nullable: true }) lastError!: string | null;
  /** At most 1 kB of the receiver's answer. */
  @Column('text', { nullable: true }) lastResponseBody!: string | null;
  @Column('integer', { nullable: true }) durationMs!: number | null;
  @Column('timestamp with time zone', { precision: 3, nullable: true }) nextAttemptAt!: Date | null;
  @Column('timestamp with time zone', { precision: 3, nullable: true })
  firstAttemptAt!: Date | null;
  @Column('timestamp with time zone', { precision: 3, nullable: true }) deliveredAt!: Date | null;
  @Column('timestamp with time zone', { precision: 3, default: () => 'now()' }) createdAt!: Date;
}

/** The dispatcher's position in the public event log (stream `public`). */
@Entity('webhook_cursors')
@Check('webhook_cursors_last_seq_check', 'last_seq >= 0')
export class WebhookCursorEntity {
  @PrimaryColumn('text') stream!: string;
  @Column('bigint', { default: 0 }) lastSeq!: string;
}
