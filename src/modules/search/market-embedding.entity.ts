import { Check, Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import { MarketEntity } from '../markets/market.entity';

/**
 * A market's embedding: one row per market, vectors as `real[]` (no pgvector here).
 * `synchronize: false`: TypeORM has no `xid8` type, so the schema builder would rewrite
 * `change_xid`; everything else here still matches the migration exactly.
 */
@Entity('market_embeddings', { synchronize: false })
@Index('market_embeddings_change_idx', ['changeXid'])
@Check('market_embeddings_dimensions_check', 'dimensions > 0')
@Check(
  'market_embeddings_check',
  'array_ndims(embedding) = 1 AND array_length(embedding, 1) = dimensions',
)
export class MarketEmbeddingEntity {
  @PrimaryColumn('uuid')
  @ForeignKey(() => MarketEntity, { name: 'market_embeddings_market_id_fkey', onDelete: 'CASCADE' })
  marketId!: string;
  @Column('text') model!: string;
  @Column('integer') dimensions!: number;
  /** Hash of the text embedded: unchanged text is not embedded again. */
  @Column('text') contentHash!: string;
  /** L2-normalised. */
  @Column('real', { array: true }) embedding!: number[];
  @Column('timestamp with time zone', { precision: 3, default: () => 'now()' }) embeddedAt!: Date;
  /**
   * xid8, default pg_current_xact_id(): the writing transaction, so in-process indexes pull
   * only rows written since their last read. Declared as text, TypeORM having no xid8.
   */
  @Column({ type: 'text', default: () => 'pg_current_xact_id()', insert: false, update: false })
  changeXid!: string;
}
