import { ApiProperty, PartialType } from '@nestjs/swagger';
import { probability } from '../../../common/money/decimal';
import { MARKET_STATUSES, MarketStatus, OUTCOMES, Outcome } from '../../../common/vocabulary';
import { visibleStatus } from '../market.types';
import { MarketRow } from '../market.types';

export class CreatorDto {
  @ApiProperty({ format: 'uuid', example: '0b7d3c2a-5f1e-4b8a-9c6d-2e4f6a8b0c1d' }) id!: string;
  @ApiProperty({ example: 'Ada' }) displayName!: string;
}

export class MarketResponse {
  @ApiProperty({ format: 'uuid', example: '3f0b8f0e-4c1e-4d3b-9a59-2f7b0c1d9e21' }) id!: string;
  @ApiProperty({ example: 'Will the Zephyrian Senate pass the budget by 2027?' }) name!: string;
  @ApiProperty({ example: 'Resolves YES if the budget is signed before 1 January 2027.' })
  description!: string;
  @ApiProperty({ enum: MARKET_STATUSES, example: 'active' }) status!: MarketStatus;
  @ApiProperty({
    enum: [...OUTCOMES, null],
    nullable: true,
    example: null,
    description: 'The winning outcome once resolved; null before, and after CANCEL',
  })
  outcome!: Outcome | null;
  @ApiProperty({ example: 0.623451, description: 'Probability of YES, 6 places' })
  probability!: number;
  @ApiProperty({ example: '100.00', description: 'LMSR liquidity parameter b' }) liquidity!: string;
  @ApiProperty({ example: '1520.35', description: 'Credits traded, buys and sells' })
  volume!: string;
  @ApiProperty({ example: '2027-01-01T00:00:00.000Z' }) closesAt!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', example: null })
  resolvedAt!: string | null;
  @ApiProperty({ format: 'uuid' }) creatorId!: string;
  @ApiProperty({ type: CreatorDto }) creator!: CreatorDto;
  @ApiProperty({ type: [String], example: ['politics', 'zephyria'] }) tags!: string[];
  @ApiProperty({ example: '2026-11-22T10:00:00.000Z' }) createdAt!: string;
  @ApiProperty({ example: '2026-11-22T10:05:00.000Z' }) updatedAt!: string;
}

/** A market in a list: every field, or only those the `fields` parameter names. */
export class MarketFieldsResponse extends PartialType(MarketResponse) {}

export const MARKET_FIELDS = [
  'id',
  'name',
  'description',
  'status',
  'outcome',
  'probability',
  'liquidity',
  'volume',
  'closesAt',
  'resolvedAt',
  'creatorId',
  'creator',
  'tags',
  'createdAt',
  'updatedAt',
] as const satisfies ReadonlyArray<keyof MarketResponse>;
export type MarketField = (typeof MARKET_FIELDS)[number];

const iso = (date: Date | null | undefined) => (date ? date.toISOString() : null);

/** Maps a (possibly partial) row to the response, keeping only the requested fields. */
export function toMarketResponse(
  row: Partial<MarketRow>,
  creator: CreatorDto | null,
  fields: readonly MarketField[] = MARKET_FIELDS,
): Partial<MarketResponse> {
  const all: Record<MarketField, () => unknown> = {
    id: () => row.id,
    name: () => row.name,
    description: () => row.description,
    status: () =>
      row.status && row.closesAt ? visibleStatus(row.status, row.closesAt) : undefined,
    outcome: () => row.outcome ?? null,
    probability: () => probability(row.probability!),
    liquidity: () => row.liquidity,
    volume: () => row.volume,
    closesAt: () => iso(row.closesAt),
    resolvedAt: () => iso(row.resolvedAt),
    creatorId: () => row.creatorId,
    creator: () => creator,
    tags: () => row.tags,
    createdAt: () => iso(row.createdAt),
    updatedAt: () => iso(row.updatedAt),
  };
  return Object.fromEntries(fields.map((field) => [field, all[field]()]));
}
