import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const LEDGER_KINDS = [
  'grant',
  'subsidy',
  'buy',
  'sell',
  'payout',
  'refund',
  'residual',
] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

/** One change of one balance. Append-only (a trigger refuses UPDATE and DELETE). */
@Entity('ledger_entries')
export class LedgerEntryEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid') userId!: string;
  @Column('text') kind!: LedgerKind;
  /** Signed: positive credits the user, negative debits. */
  @Column('numeric', { precision: 20, scale: 2 }) amount!: string;
  @Column('numeric', { precision: 20, scale: 2 }) balanceAfter!: string;
  @Column('uuid', { nullable: true }) marketId!: string | null;
  /** What caused it: a trade, a position settled, an admin grant. */
  @Column('uuid', { nullable: true }) referenceId!: string | null;
  @Column('text', { nullable: true }) reason!: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
}
