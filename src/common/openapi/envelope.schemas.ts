import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ERROR_CODES, ErrorCode } from '../errors/error-code';

export class OffsetPaginationDto {
  @ApiProperty({ example: 20 }) limit!: number;
  @ApiProperty({ example: 0 }) offset!: number;
  @ApiProperty({ example: 137 }) total!: number;
  @ApiProperty({ example: true }) hasMore!: boolean;
}

export class CursorPaginationDto {
  @ApiProperty({ example: 20 }) limit!: number;
  @ApiProperty({
    example: 'WyJjcmVhdGVkQXQiLCJkZXNjIiwiMjAyNi0xMS0yMlQxMDowMDowMC4wMDBaIiwiLi4uIl0',
    nullable: true,
    type: String,
  })
  nextCursor!: string | null;
}

export class EnvelopeMetaDto {
  @ApiProperty({
    example: '3f0b8f0e-4c1e-4d3b-9a59-2f7b0c1d9e21',
    description: 'Same as the X-Request-Id header',
  })
  requestId!: string;
  @ApiProperty({ example: '2026-11-22T10:00:00.000Z' })
  timestamp!: string;
}

export class ErrorBodyDto {
  @ApiProperty({ enum: ERROR_CODES, example: 'VALIDATION_FAILED' })
  code!: ErrorCode;
  @ApiProperty({ example: 'The request is not valid.' })
  message!: string;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { amount: ['amount must be a decimal with at most 2 places, from 0.01 to 1000000'] },
  })
  details?: Record<string, unknown>;
}

export class ErrorEnvelopeDto {
  @ApiProperty({ example: false }) success!: false;
  @ApiProperty({ type: ErrorBodyDto }) error!: ErrorBodyDto;
  @ApiProperty({ type: EnvelopeMetaDto }) meta!: EnvelopeMetaDto;
}
