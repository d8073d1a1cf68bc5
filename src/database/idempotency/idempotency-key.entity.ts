import { Check, Column, Entity, ForeignKey, PrimaryColumn } from 'typeorm';
import { UserEntity } from '../../modules/users/user.entity';

/** The stored answer of one keyed request, per user. */
@Entity('idempotency_keys')
@Check('idempotency_keys_key_check', 'char_length(key) BETWEEN 1 AND 255')
export class IdempotencyKeyEntity {
  @PrimaryColumn('uuid')
  @ForeignKey(() => UserEntity, { name: 'idempotency_keys_user_id_fkey' })
  userId!: string;
  @PrimaryColumn('text') key!: string;
  /** Hash of method, route and body: the same key with another request is refused. */
  @Column('text') requestHash!: string;
  @Column('integer') responseStatus!: number;
  @Column('jsonb') responseBody!: unknown;
  @Column('timestamp with time zone', { precision: 3, default: () => 'now()' }) createdAt!: Date;
  @Column('timestamp with time zone', { precision: 3 }) expiresAt!: Date;
}
