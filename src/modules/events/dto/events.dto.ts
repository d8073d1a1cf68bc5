import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsUUID } from 'class-validator';
import { Field, OnlyWhenPresent } from '../../../common/openapi/field.decorator';
import { EVENT_TYPES, EventType } from '../outbox.service';

export const MAX_EVENTS_PAGE = 1000;
export const DEFAULT_EVENTS_PAGE = 100;

const AFTER_DESCRIPTION =
  'Return events with a `seq` greater than this (the last `seq` the client saw). An `after` ' +
  'older than the retained log is 410 EVENTS_EXPIRED with `details.oldestSeq`; one beyond ' +
  'the latest `seq` is 400.';

const AFTER = { optional: true, min: 0, max: Number.MAX_SAFE_INTEGER } as const;

export class EventsQueryDto {
  // Example 0: Swagger UI prefills it, and a seq beyond the latest is a 400 on a young log.
  @Field.int({ ...AFTER, default: 0, example: 0, description: AFTER_DESCRIPTION })
  after: number = 0;

  @Field.int({ optional: true, min: 1, max: MAX_EVENTS_PAGE, default: DEFAULT_EVENTS_PAGE })
  limit: number = DEFAULT_EVENTS_PAGE;

  @Field.uuid({ optional: true, description: 'Only the events of this market' })
  marketId?: string;

  @Field.enum(EVENT_TYPES, { optional: true, description: 'Only events of this type' })
  type?: EventType;
}

const splitIds = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.split(',').map((id) => id.trim()) : value;

export class StreamQueryDto {
  @Field.int({
    ...AFTER,
    example: 120,
    description:
      'Resume after this `seq` (replayed from the log, then live). `Last-Event-ID` wins ' +
      'when both are sent (it is what a reconnecting EventSource sends). Without either, ' +
      'the stream starts with the next event. ' +
      AFTER_DESCRIPTION,
  })
  after?: number;

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'string', format: 'uuid' },
    minItems: 1,
    maxItems: 50,
    description:
      'Only the events of these markets (at most 50): the parameter repeated, or one value ' +
      'with comma-separated ids',
    example: ['3f0b8f0e-4c1e-4d3b-9a59-2f7b0c1d9e21'],
  })
  @OnlyWhenPresent()
  @Transform(splitIds)
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @IsUUID('all', { each: true })
  marketId?: string[];
}

export class MeStreamQueryDto {
  @Field.int({
    ...AFTER,
    example: 7,
    description:
      "Resume after this `seq` of the caller's own stream; `Last-Event-ID` wins when both are sent.",
  })
  after?: number;
}

export class EventResponse {
  @ApiProperty({ example: 4811, description: 'Global, gap-free, in publish order' }) seq!: number;
  @ApiProperty({ format: 'uuid', description: 'Stable event id (deduplicate on it)' }) id!: string;
  @ApiProperty({ enum: EVENT_TYPES, example: 'trade.executed' }) type!: string;
  @ApiProperty({ example: 1 }) version!: number;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;
  @ApiProperty({ format: 'uuid' }) marketId!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: {
      tradeId: '9b2f7c1e-4d0a-4c8e-9a53-0f6e2d1b7a10',
      side: 'buy',
      outcome: 'YES',
      shares: '19.504582',
      amount: '10.00',
      probabilityBefore: '0.500000',
      probabilityAfter: '0.548587',
    },
    description: 'Depends on `type`; never a trader id or email',
  })
  data!: Record<string, unknown>;
}
