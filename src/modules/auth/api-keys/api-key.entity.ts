import { Check, Column, Entity, ForeignKey, Index, PrimaryGeneratedColumn } from 'typeorm';
import { ApiKeyScope } from '../../../common/auth/permissions';
import { UserEntity } from '../../users/user.entity';

/** An API key: only a keyed SHA-256 of the secret is stored; `prefix` is its public part. */
@Entity('api_keys')
@Index('api_keys_prefix_key', ['prefix'], { unique: true })
@Index('api_keys_user_idx', ['userId', 'createdAt'])
@Check('api_keys_name_check', 'char_length(name) BETWEEN 1 AND 100')
@Check(
  'api_keys_scopes_check',
  `cardinality(scopes) > 0 AND scopes <@ ARRAY['read', 'trade', 'admin']::text[]`,
)
export class ApiKeyEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid')
  @ForeignKey(() => UserEntity, { name: 'api_keys_user_id_fkey', onDelete: 'CASCADE' })
  userId!: string;
  @Column('text') name!: string;
  @Column('text') prefix!: string;
  @Column('text') keyHash!: string;
  @Column('text', { array: true }) scopes!: ApiKeyScope[];
  @Column('timestamp with time zone', { precision: 3, nullable: true }) expiresAt!: Date | null;
  @Column('timestamp with time zone', { precision: 3, nullable: true }) lastUsedAt!: Date | null;
  @Column('timestamp with time zone', { precision: 3, nullable: true }) revokedAt!: Date | null;
  @Column('timestamp with time zone', { precision: 3, default: () => 'now()' }) createdAt!: Date;
}
