import { Check, Column, Entity, ForeignKey, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { Outcome } from '../../common/vocabulary';
import { UserEntity } from '../users/user.entity';
import { PositionEntity } from './position.entity';

export const TRADE_SIDES = ['buy', 'sell'] as const;
export type TradeSide = (typeof TRADE_SIDES)[number];

/** One executed buy or sell. Exactly the `trades` table. */
@Entity('trades')
@Index('trades_market_idx', ['marketId', 'createdAt', 'id'])
@Index('trades_user_idx', ['userId', 'createdAt', 'id'])
@Check('trades_side_check', `side IN ('buy', 'sell')`)
@Check('trades_outcome_check', `outcome IN ('YES', 'NO')`)
@Check('trades_shares_check', 'shares > 0')
@Check('trades_amount_check', 'amount >= 0')
export class TradeEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  /** No foreign key: a deleted market's trades stay as the ledger's audit trail. */
  @Column('uuid') marketId!: string;
  @Column('uuid')
  @ForeignKey(() => UserEntity, { name: 'trades_user_id_fkey' })
  userId!: string;
  @Column('uuid')
  @ForeignKey(() => PositionEntity, { name: 'trades_position_id_fkey', onDelete: 'CASCADE' })
  positionId!: string;
  @Column('text') side!: TradeSide;
  @Column('text') outcome!: Outcome;
  @Column('numeric', { precision: 30, scale: 6 }) shares!: string;
  /** Credits paid (buy) or received (sell). */
  @Column('numeric', { precision: 20, scale: 2 }) amount!: string;
  @Column('numeric', { precision: 7, scale: 6 }) probabilityBefore!: string;
  @Column('numeric', { precision: 7, scale: 6 }) probabilityAfter!: string;
  /** The creator's initialPosition buy, written by market creation. */
  @Column('boolean', { default: false }) initial!: boolean;
  /** clock_timestamp(): trades of one transaction keep their order. */
  @Column('timestamp with time zone', { precision: 3, default: () => 'clock_timestamp()' })
  createdAt!: Date;
}
