import { ApiProperty } from '@nestjs/swagger';
import { Field } from '../../../common/openapi/field.decorator';
import type { SearchHit } from '../search.service';
import { isBinary, OutcomeResponse, outcomeViews } from '../../markets';
import {
  MatchSource,
  SEARCH_MODES,
  SEARCH_STATUSES,
  SearchMode,
  SearchStatus,
} from '../search-ranking';

export const SEARCH_DEFAULT_LIMIT = 20;
export const SEARCH_MAX_LIMIT = 50;

export class SearchMarketsQueryDto {
  // PostgreSQL text cannot hold NUL: the global pipe refuses it before this runs.
  @Field.text({
    min: 1,
    max: 200,
    trim: true,
    description:
      'What to look for, 1–200 characters (leading and trailing spaces are ignored). Web ' +
      'search syntax for keywords: words must all appear, `"a phrase"`, `-word` excludes, ' +
      '`or` between alternatives. Typos in market names are tolerated.',
    example: 'Zephirian council',
  })
  q!: string;

  @Field.enum(SEARCH_MODES, {
    optional: true,
    default: 'hybrid',
    example: 'hybrid',
    description:
      '`keyword`: full text and name typos. `semantic`: meaning (embeddings; 400 when no ' +
      'provider is configured). `hybrid`: both, fused by reciprocal rank; keyword only when ' +
      'the provider is absent or failing.',
  })
  mode: SearchMode = 'hybrid';

  @Field.enum(SEARCH_STATUSES, {
    optional: true,
    example: 'active',
    description: 'Only markets with this status; an active market past `closesAt` is `closed`.',
  })
  status?: SearchStatus;

  @Field.int({
    min: 1,
    max: SEARCH_MAX_LIMIT,
    optional: true,
    default: SEARCH_DEFAULT_LIMIT,
    example: 10,
  })
  limit: number = SEARCH_DEFAULT_LIMIT;
}

export class SearchResultResponse {
  @ApiProperty({ format: 'uuid', example: '3f0b8f0e-4c1e-4d3b-9a59-2f7b0c1d9e21' })
  id!: string;
  @ApiProperty({ example: 'Will the Zephyrian council pass the harbour budget?' })
  name!: string;
  @ApiProperty({ example: 'Resolves YES if the council approves the budget by 31 March.' })
  description!: string;
  @ApiProperty({ enum: SEARCH_STATUSES, example: 'active' })
  status!: SearchStatus;
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 0.634512,
    description: 'Probability of YES, rounded to 6 places; null on a market with other outcomes',
  })
  probability!: number | null;
  @ApiProperty({
    type: [OutcomeResponse],
    example: [
      { id: 'YES', label: 'Yes', probability: 0.634512 },
      { id: 'NO', label: 'No', probability: 0.365488 },
    ],
    description: 'Every outcome with its probability (a binary market: `YES` and `NO`)',
  })
  outcomes!: OutcomeResponse[];
  @ApiProperty({ example: '1520.40', description: 'Credits traded: decimal string, 2 places' })
  volume!: string;
  @ApiProperty({ example: '2026-12-31T23:59:59.000Z' })
  closesAt!: string;
  @ApiProperty({ type: [String], example: ['politics', 'budget'] })
  tags!: string[];
  @ApiProperty({
    example: 0.032522,
    description:
      'Reciprocal rank fusion score, Σ 1/(60 + rank) over the lists that found the market, ' +
      'rounded to 6 places. Higher is better; comparable within one response.',
  })
  score!: number;
  @ApiProperty({
    enum: ['keyword', 'semantic'],
    isArray: true,
    example: ['keyword', 'semantic'],
    description: 'Which searches found the market',
  })
  matchedBy!: MatchSource[];
}

export class ReindexResponse {
  @ApiProperty({
    example: '42',
    description: 'The `market.reindex-all` job on the `search-index` queue',
  })
  jobId!: string;
}

const round6 = (value: number) => Math.round(value * 1e6) / 1e6;

export function toSearchResultResponse(hit: SearchHit): SearchResultResponse {
  const { row } = hit;
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    status: row.status,
    probability: isBinary(row) ? round6(Number(row.probability)) : null,
    outcomes: outcomeViews(row),
    volume: row.volume,
    closesAt: row.closesAt.toISOString(),
    tags: row.tags,
    score: round6(hit.score),
    matchedBy: hit.matchedBy,
  };
}
