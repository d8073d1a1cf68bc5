import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

export const ROLES = ['user', 'moderator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

@Entity('users')
export class UserEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  /** Stored lower-cased, so the unique index compares case-insensitively. */
  @Column('text') email!: string;
  @Column('text', { select: false }) passwordHash!: string;
  @Column('text') displayName!: string;
  @Column('text') role!: Role;
  /** numeric(20,2), read as a decimal string: never a JavaScript number. */
  @Column('numeric', { precision: 20, scale: 2 }) balance!: string;
  /** Raised on every role change: tokens issued under an older version are refused. */
  @Column('integer', { default: 1 }) authorityVersion!: number;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt!: Date;
}
