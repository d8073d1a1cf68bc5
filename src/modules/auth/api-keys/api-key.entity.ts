import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { ApiKeyScope } from '../../../common/auth/permissions';

/** An API key: only a keyed SHA-256 of the secret is stored; `prefix` is its public part. */
@Entity('api_keys')
export class ApiKeyEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid') userId!: string;
  @Column('text') name!: string;
  @Column('text', { unique: true }) prefix!: string;
  @Column('text') keyHash!: string;
  @Column('text', { array: true }) scopes!: ApiKeyScope[];
  @Column('timestamptz', { nullable: true }) expiresAt!: Date | null;
  @Column('timestamptz', { nullable: true }) lastUsedAt!: Date | null;
  @Column('timestamptz', { nullable: true }) revokedAt!: Date | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
}
