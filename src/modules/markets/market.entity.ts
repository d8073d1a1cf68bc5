import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

export const STORED_MARKET_STATUSES = ['active', 'resolved', 'cancelled'] as const;
export type StoredMarketStatus = (typeof STORED_MARKET_STATUSES)[number];
/** What clients see: an active market past `closesAt` reads as `closed`. */
export const MARKET_STATUSES = ['active', 'closed', 'resolved', 'cancelled'] as const;
export type MarketStatus = (typeof MARKET_STATUSES)[number];
export const OUTCOMES = ['YES', 'NO'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** A yes/no market and its LMSR state. Every amount is numeric, read as a decimal string. */
@Entity('markets')
export class MarketEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('text') name!: string;
  @Column('text') description!: string;
  @Column('text') status!: StoredMarketStatus;
  @Column('text', { nullable: true }) outcome!: Outcome | null;
  @Column('numeric', { precision: 30, scale: 6 }) qYes!: string;
  @Column('numeric', { precision: 30, scale: 6 }) qNo!: string;
  /** The LMSR liquidity parameter b. */
  @Column('numeric', { precision: 20, scale: 2 }) liquidity!: string;
  /** What the creator paid up front: b·ln 2 rounded up. */
  @Column('numeric', { precision: 20, scale: 2 }) subsidy!: string;
  /** Subsidy + buys − sells − settlement paid so far. */
  @Column('numeric', { precision: 20, scale: 2 }) collateral!: string;
  @Column('numeric', { precision: 20, scale: 2 }) volume!: string;
  /** YES probability after the last trade, 6 places; kept for sorting. */
  @Column('numeric', { precision: 7, scale: 6 }) probability!: string;
  @Column('integer') tradeCount!: number;
  @Column('numeric', { precision: 12, scale: 10, nullable: true }) cancelRefundRatio!:
    string | null;
  @Column('text', { array: true }) tags!: string[];
  @Column('uuid') creatorId!: string;
  @Column('timestamptz') closesAt!: Date;
  @Column('timestamptz', { nullable: true }) resolvedAt!: Date | null;
  @Column('timestamptz', { nullable: true }) settledAt!: Date | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt!: Date;
}

export function visibleStatus(
  status: StoredMarketStatus,
  closesAt: Date,
  now = new Date(),
): MarketStatus {
  return status === 'active' && closesAt.getTime() <= now.getTime() ? 'closed' : status;
}
