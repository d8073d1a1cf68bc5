import { Column, Entity, Generated, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';

/** An event written in the transaction that caused it, published later by the relay. */
@Entity('outbox_events')
@Unique('outbox_events_seq_key', ['seq'])
@Index('outbox_events_pending_idx', ['seq'], { where: 'published_at IS NULL' })
@Index('outbox_events_published_idx', ['publishedAt'], { where: 'published_at IS NOT NULL' })
export class OutboxEventEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  /** bigserial: publication order. Read as a decimal string. */
  @Column('bigint')
  @Generated('increment')
  seq!: string;
  /** No foreign key: events outlive the market they describe. */
  @Column('uuid') aggregateId!: string;
  @Column('text') type!: string;
  @Column('jsonb') payload!: unknown;
  @Column('timestamp with time zone', { precision: 3, default: () => 'clock_timestamp()' })
  createdAt!: Date;
  @Column('timestamp with time zone', { precision: 3, nullable: true }) publishedAt!: Date | null;
  @Column('integer', { default: 0 }) attempts!: number;
}
