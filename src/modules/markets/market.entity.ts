import { Check, Column, Entity, ForeignKey, Index, PrimaryGeneratedColumn } from 'typeorm';
import { UserEntity } from '../users/user.entity';
import type { Outcome, StoredMarketStatus } from './market.types';

/** The expressions of the generated search columns; typeorm_metadata holds the same text. */
const SEARCH_DOCUMENT_EXPRESSION =
  "setweight(to_tsvector('english'::regconfig, search_unaccent(name)), 'A') || " +
  "setweight(to_tsvector('english'::regconfig, search_unaccent(search_tags_text(tags))), 'B') || " +
  "setweight(to_tsvector('english'::regconfig, search_unaccent(description)), 'C')";
const SEARCH_NAME_EXPRESSION = 'search_normalize(name)';

/**
 * A yes/no market and its LMSR state. Every amount is numeric, read as a decimal string.
 * Exactly the `markets` table the migrations build (test/schema-agreement.e2e-spec.ts checks).
 */
@Entity('markets')
// Keyset-ready indexes, one per sort, unfiltered and by status (id breaks ties).
@Index('markets_created_at_idx', ['createdAt', 'id'])
@Index('markets_status_created_at_idx', ['status', 'createdAt', 'id'])
@Index('markets_volume_idx', ['volume', 'id'])
@Index('markets_status_volume_idx', ['status', 'volume', 'id'])
@Index('markets_closes_at_idx', ['closesAt', 'id'])
@Index('markets_status_closes_at_idx', ['status', 'closesAt', 'id'])
@Index('markets_probability_idx', ['probability', 'id'])
@Index('markets_status_probability_idx', ['status', 'probability', 'id'])
@Index('markets_name_idx', ['name', 'id'])
@Index('markets_status_name_idx', ['status', 'name', 'id'])
@Index('markets_creator_idx', ['creatorId', 'createdAt', 'id'])
@Index('markets_tags_idx', ['tags'], { type: 'gin' })
@Index('markets_unsettled_idx', ['resolvedAt'], {
  where: 'resolved_at IS NOT NULL AND settled_at IS NULL',
})
@Index('markets_search_document_idx', ['searchDocument'], { type: 'gin' })
// The migration adds the gin_trgm_ops operator class, which TypeORM cannot declare.
@Index('markets_name_trgm_idx', ['searchName'], { type: 'gin' })
@Check('markets_name_check', 'char_length(name) BETWEEN 3 AND 200')
@Check('markets_description_check', 'char_length(description) <= 5000')
@Check('markets_status_check', `status IN ('active', 'resolved', 'cancelled')`)
@Check('markets_outcome_check', `outcome IN ('YES', 'NO')`)
@Check('markets_q_yes_check', 'q_yes >= 0')
@Check('markets_q_no_check', 'q_no >= 0')
@Check('markets_liquidity_check', 'liquidity BETWEEN 10 AND 1000000')
@Check('markets_subsidy_check', 'subsidy > 0')
@Check('markets_collateral_check', 'collateral >= 0')
@Check('markets_volume_check', 'volume >= 0')
@Check('markets_probability_check', 'probability > 0 AND probability < 1')
@Check('markets_check', `(status = 'active') = (resolved_at IS NULL)`)
export class MarketEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('text') name!: string;
  @Column('text', { default: '' }) description!: string;
  @Column('text', { default: 'active' }) status!: StoredMarketStatus;
  @Column('text', { nullable: true }) outcome!: Outcome | null;
  @Column('numeric', { precision: 30, scale: 6, default: 0 }) qYes!: string;
  @Column('numeric', { precision: 30, scale: 6, default: 0 }) qNo!: string;
  /** The LMSR liquidity parameter b. */
  @Column('numeric', { precision: 20, scale: 2 }) liquidity!: string;
  /** What the creator paid up front: b·ln 2 rounded up. */
  @Column('numeric', { precision: 20, scale: 2 }) subsidy!: string;
  /** Subsidy + buys − sells − settlement paid so far. */
  @Column('numeric', { precision: 20, scale: 2 }) collateral!: string;
  @Column('numeric', { precision: 20, scale: 2, default: 0 }) volume!: string;
  /** YES probability after the last trade, 6 places; kept for sorting. */
  @Column('numeric', { precision: 7, scale: 6, default: () => '0.5' }) probability!: string;
  @Column('integer', { default: 0 }) tradeCount!: number;
  @Column('numeric', { precision: 12, scale: 10, nullable: true }) cancelRefundRatio!:
    string | null;
  @Column('text', { array: true, default: () => "'{}'" }) tags!: string[];
  @Column('uuid')
  @ForeignKey(() => UserEntity, { name: 'markets_creator_id_fkey' })
  creatorId!: string;
  @Column('timestamp with time zone', { precision: 3 }) closesAt!: Date;
  @Column('timestamp with time zone', { precision: 3, nullable: true }) resolvedAt!: Date | null;
  @Column('timestamp with time zone', { precision: 3, nullable: true }) settledAt!: Date | null;
  @Column('timestamp with time zone', { precision: 3, default: () => 'now()' }) createdAt!: Date;
  @Column('timestamp with time zone', { precision: 3, default: () => 'now()' }) updatedAt!: Date;
  /** Full-text document (name A, tags B, description C), kept current by PostgreSQL. */
  @Column({
    type: 'tsvector',
    nullable: true,
    generatedType: 'STORED',
    asExpression: SEARCH_DOCUMENT_EXPRESSION,
    select: false,
    insert: false,
    update: false,
  })
  searchDocument!: string | null;
  /** The name lower-cased without accents, for trigram matching. */
  @Column({
    type: 'text',
    nullable: true,
    generatedType: 'STORED',
    asExpression: SEARCH_NAME_EXPRESSION,
    select: false,
    insert: false,
    update: false,
  })
  searchName!: string | null;
}
