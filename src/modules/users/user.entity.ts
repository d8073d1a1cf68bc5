import { Check, Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

import { Role } from '../../common/auth/roles';

export { ROLES } from '../../common/auth/roles';
export type { Role } from '../../common/auth/roles';

/** Exactly the `users` table the migrations build (test/schema-agreement.e2e-spec.ts checks). */
@Entity('users')
@Index('users_email_uq', ['email'], { unique: true })
@Index('users_created_at_id_idx', ['createdAt', 'id'])
@Index('users_admins_idx', ['id'], { where: `role = 'admin'` })
@Check('users_role_check', `role IN ('user', 'moderator', 'admin')`)
@Check('users_balance_check', `balance >= 0`)
@Check('users_email_lowercase', `email = lower(email)`)
export class UserEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  /** Stored lower-cased, so the unique index compares case-insensitively. */
  @Column('text') email!: string;
  @Column('text', { select: false }) passwordHash!: string;
  @Column('text') displayName!: string;
  @Column('text', { default: 'user' }) role!: Role;
  /** numeric(20,2), read as a decimal string: never a JavaScript number. */
  @Column('numeric', { precision: 20, scale: 2, default: 0 }) balance!: string;
  /** Raised on every role change: tokens issued under an older version are refused. */
  @Column('integer', { default: 1 }) authorityVersion!: number;
  @Column('timestamp with time zone', { precision: 3, default: () => 'now()' }) createdAt!: Date;
  @Column('timestamp with time zone', { precision: 3, default: () => 'now()' }) updatedAt!: Date;
}
