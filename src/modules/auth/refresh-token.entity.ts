import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A refresh token, stored only as a SHA-256 hash. A family is one login session. */
@Entity('refresh_tokens')
export class RefreshTokenEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid') familyId!: string;
  @Column('uuid') userId!: string;
  @Column('text') tokenHash!: string;
  /** The owner's authority version when issued; an older one means the role changed since. */
  @Column('integer', { default: 1 }) authorityVersion!: number;
  @Column('timestamptz') expiresAt!: Date;
  @Column('timestamptz', { nullable: true }) usedAt!: Date | null;
  @Column('timestamptz', { nullable: true }) revokedAt!: Date | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
}
