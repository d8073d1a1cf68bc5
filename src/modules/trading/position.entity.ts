import { Check, Column, Entity, ForeignKey, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { Outcome } from '../../common/vocabulary';
import { UserEntity } from '../users/user.entity';

export const POSITION_STATUSES = ['open', 'closed', 'settled'] as const;
export type PositionStatus = (typeof POSITION_STATUSES)[number];

/** One user's holding of one outcome of one market. Exactly the `positions` table. */
@Entity('positions')
@Unique('positions_user_id_market_id_outcome_key', ['userId', 'marketId', 'outcome'])
@Index('positions_user_idx', ['userId', 'createdAt', 'id'])
@Index('positions_unsettled_idx', ['marketId', 'id'], { where: 'settled_at IS NULL' })
@Index('positions_settled_market_idx', ['marketId'], { where: 'settled_at IS NOT NULL' })
@Check('positions_outcome_check', `outcome IN ('YES', 'NO')`)
@Check('positions_shares_check', 'shares >= 0')
@Check('positions_invested_check', 'invested >= 0')
@Check('positions_status_check', `status IN ('open', 'closed', 'settled')`)
export class PositionEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid')
  @ForeignKey(() => UserEntity, { name: 'positions_user_id_fkey' })
  userId!: string;
  /** No foreign key: a deleted market's positions stay as the ledger's audit trail. */
  @Column('uuid') marketId!: string;
  @Column('text') outcome!: Outcome;
  @Column('numeric', { precision: 30, scale: 6, default: 0 }) shares!: string;
  /** Cost basis of the shares still held. */
  @Column('numeric', { precision: 20, scale: 2, default: 0 }) invested!: string;
  @Column('numeric', { precision: 20, scale: 2, default: 0 }) totalBought!: string;
  @Column('numeric', { precision: 20, scale: 2, default: 0 }) totalSold!: string;
  @Column('numeric', { precision: 20, scale: 2, default: 0 }) realizedPnl!: string;
  @Column('text', { default: 'open' }) status!: PositionStatus;
  @Column('numeric', { precision: 20, scale: 2, nullable: true }) payout!: string | null;
  @Column('timestamp with time zone', { precision: 3, nullable: true }) settledAt!: Date | null;
  @Column('timestamp with time zone', { precision: 3, default: () => 'now()' }) createdAt!: Date;
  @Column('timestamp with time zone', { precision: 3, default: () => 'now()' }) updatedAt!: Date;
}
