import { Check, Column, Entity, Generated, Index, PrimaryColumn, Unique } from 'typeorm';

/** Each stream's last `seq` ('public' and one per user): the log alone cannot say once pruned. */
@Entity('event_streams')
@Check('event_streams_last_seq_check', 'last_seq >= 0')
export class EventStreamEntity {
  @PrimaryColumn('text') stream!: string;
  /** bigint, read as a decimal string. */
  @Column('bigint', { default: 0 }) lastSeq!: string;
}

/** The public event log: one row per published event, `seq` gap-free in publish order. */
@Entity('event_log')
@Unique('event_log_event_id_key', ['eventId'])
@Index('event_log_market_seq_idx', ['marketId', 'seq'])
@Index('event_log_logged_at_idx', ['loggedAt'])
export class EventLogEntity {
  @PrimaryColumn('bigint') seq!: string;
  @Column('uuid') eventId!: string;
  @Column('text') type!: string;
  @Column('integer') version!: number;
  /** No foreign key: events outlive the market they describe. */
  @Column('uuid') marketId!: string;
  @Column('jsonb') data!: unknown;
  @Column('timestamp with time zone', { precision: 3 }) occurredAt!: Date;
  @Column('timestamp with time zone', { precision: 3, default: () => 'now()' }) loggedAt!: Date;
}

/** A user's private events, with the user's own gap-free `seq`. */
@Entity('user_event_log')
@Unique('user_event_log_event_id_key', ['eventId'])
@Index('user_event_log_source_seq_idx', ['sourceSeq'])
@Index('user_event_log_logged_at_idx', ['loggedAt'])
export class UserEventLogEntity {
  @PrimaryColumn('uuid') userId!: string;
  @PrimaryColumn('bigint') seq!: string;
  @Column('uuid')
  @Generated('uuid')
  eventId!: string;
  /** The public event's seq this private one was derived from. */
  @Column('bigint') sourceSeq!: string;
  @Column('text') type!: string;
  @Column('integer') version!: number;
  @Column('uuid') marketId!: string;
  @Column('jsonb') data!: unknown;
  @Column('timestamp with time zone', { precision: 3 }) occurredAt!: Date;
  @Column('timestamp with time zone', { precision: 3, default: () => 'now()' }) loggedAt!: Date;
}
