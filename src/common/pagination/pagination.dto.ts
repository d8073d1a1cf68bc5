import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min, ValidateBy } from 'class-validator';

export const DEFAULT_PAGE_LIMIT = 20;
export const MAX_PAGE_LIMIT = 100;

/** `limit` + keyset `cursor`, for routes that page by cursor only. */
export class CursorPageQueryDto {
  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_PAGE_LIMIT,
    default: DEFAULT_PAGE_LIMIT,
    example: 20,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_LIMIT)
  limit: number = DEFAULT_PAGE_LIMIT;

  @ApiPropertyOptional({
    description: 'Opaque cursor from `meta.pagination.nextCursor` of the previous page.',
    example: 'eyJ2IjpbIjIwMjYtMTEtMjJUMTA6MDA6MDAuMDAwWiJdLCJpZCI6Ii4uLiJ9',
  })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}

/** `limit` + either `offset` or `cursor`, never both. */
export class PageQueryDto extends CursorPageQueryDto {
  @ApiPropertyOptional({ minimum: 0, example: 0, description: 'Offset mode; not with `cursor`.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  @NotTogetherWith('cursor')
  offset?: number;
}

function NotTogetherWith(other: string): PropertyDecorator {
  return ValidateBy({
    name: 'notTogetherWith',
    validator: {
      validate: (_value, args) => (args?.object as Record<string, unknown>)[other] === undefined,
      defaultMessage: (args) => `${args?.property} cannot be used together with ${other}`,
    },
  });
}

/** Sort direction shared by every sortable list. */
export type SortOrder = 'asc' | 'desc';
export const SORT_ORDERS: SortOrder[] = ['asc', 'desc'];
