import { Check, Column, Entity, ForeignKey, Index, PrimaryGeneratedColumn } from 'typeorm';
import { UserEntity } from './user.entity';

import type { LedgerKind } from '../../common/vocabulary';
export { LEDGER_KINDS } from '../../common/vocabulary';
export type { LedgerKind } from '../../common/vocabulary';

/** One change of one balance. Append-only (a trigger refuses UPDATE and DELETE). */
@Entity('ledger_entries')
@Index('ledger_entries_user_created_idx', ['userId', 'createdAt', 'id'])
@Index('ledger_entries_market_idx', ['marketId'], { where: 'market_id IS NOT NULL' })
@Index('ledger_entries_reference_idx', ['referenceId'], { where: 'reference_id IS NOT NULL' })
@Check(
  'ledger_entries_kind_check',
  `kind IN ('grant', 'subsidy', 'buy', 'sell', 'payout', 'refund', 'residual')`,
)
@Check('ledger_entries_amount_check', `amount <> 0`)
@Check('ledger_entries_balance_after_check', `balance_after >= 0`)
export class LedgerEntryEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid')
  @ForeignKey(() => UserEntity, { name: 'ledger_entries_user_id_fkey' })
  userId!: string;
  @Column('text') kind!: LedgerKind;
  /** Signed: positive credits the user, negative debits. */
  @Column('numeric', { precision: 20, scale: 2 }) amount!: string;
  @Column('numeric', { precision: 20, scale: 2 }) balanceAfter!: string;
  /** No foreign key: a deleted market keeps its ledger history. */
  @Column('uuid', { nullable: true }) marketId!: string | null;
  /** What caused it: a trade, a position settled, an admin grant. */
  @Column('uuid', { nullable: true }) referenceId!: string | null;
  @Column('text', { nullable: true }) reason!: string | null;
  /** clock_timestamp(), not now(): entries of one transaction keep their order. */
  @Column('timestamp with time zone', { precision: 3, default: () => 'clock_timestamp()' })
  createdAt!: Date;
}
