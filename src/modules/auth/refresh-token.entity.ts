import { Column, Entity, ForeignKey, Index, PrimaryGeneratedColumn } from 'typeorm';
import { UserEntity } from '../users/user.entity';

/** A refresh token, stored only as a SHA-256 hash. A family is one login session. */
@Entity('refresh_tokens')
@Index('refresh_tokens_hash_uq', ['tokenHash'], { unique: true })
@Index('refresh_tokens_family_idx', ['familyId'])
export class RefreshTokenEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid') familyId!: string;
  @Column('uuid')
  @ForeignKey(() => UserEntity, { name: 'refresh_tokens_user_id_fkey', onDelete: 'CASCADE' })
  userId!: string;
  @Column('text') tokenHash!: string;
  /** The owner's authority version when issued; an older one means the role changed since. */
  @Column('integer', { default: 1 }) authorityVersion!: number;
  @Column('timestamp with time zone', { precision: 3 }) expiresAt!: Date;
  @Column('timestamp with time zone', { precision: 3, nullable: true }) usedAt!: Date | null;
  @Column('timestamp with time zone', { precision: 3, nullable: true }) revokedAt!: Date | null;
  @Column('timestamp with time zone', { precision: 3, default: () => 'now()' }) createdAt!: Date;
}
