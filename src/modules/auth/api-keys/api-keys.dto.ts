import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, MaxDate } from 'class-validator';
import { API_KEY_SCOPES, ApiKeyScope } from '../../../common/auth/permissions';
import { Field } from '../../../common/openapi/field.decorator';
import { ApiKeyRow } from './api-keys.repository';

const MAX_LIFETIME_MS = 5 * 365 * 86_400_000;

export class CreateApiKeyDto {
  @Field.text({ min: 1, max: 100, trim: true, example: 'trading bot' })
  name!: string;

  @ApiProperty({
    enum: API_KEY_SCOPES,
    isArray: true,
    example: ['read', 'trade'],
    description:
      '`read`: the GET routes a user may call; `trade`: also buying, selling, creating and ' +
      "resolving one's own markets; `admin`: the admin routes (admins only).",
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(3)
  @IsIn(API_KEY_SCOPES, { each: true })
  scopes!: ApiKeyScope[];

  @Field.date({
    optional: true,
    future: true,
    example: '2027-06-01T00:00:00.000Z',
    description: 'At most 5 years ahead; absent: the key does not expire.',
  })
  @MaxDate(() => new Date(Date.now() + MAX_LIFETIME_MS), {
    message: 'expiresAt must be at most 5 years ahead',
  })
  expiresAt?: Date;
}

export class ApiKeyResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'trading bot' }) name!: string;
  @ApiProperty({ enum: API_KEY_SCOPES, isArray: true, example: ['read', 'trade'] })
  scopes!: ApiKeyScope[];
  @ApiProperty({
    example: 'mkey_3f9a0c1e2b4d6f80',
    description: 'The public start of the key, to tell keys apart; not a secret.',
  })
  prefix!: string;
  @ApiProperty({ example: '2026-11-22T10:00:00.000Z' }) createdAt!: string;
  @ApiProperty({ example: '2027-06-01T00:00:00.000Z', nullable: true, type: String })
  expiresAt!: string | null;
  @ApiProperty({
    example: '2026-11-23T08:15:00.000Z',
    nullable: true,
    type: String,
    description: 'Last use, to the minute (not written on every request).',
  })
  lastUsedAt!: string | null;
}

export class CreatedApiKeyResponse extends ApiKeyResponse {
  @ApiProperty({
    example: 'mkey_3f9a0c1e2b4d6f80_Xq3…',
    description: 'The key itself. Shown this once: only a hash of it is stored.',
  })
  key!: string;
}

export function toApiKeyResponse(row: ApiKeyRow): ApiKeyResponse {
  return {
    id: row.id,
    name: row.name,
    scopes: row.scopes,
    prefix: row.prefix,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt?.toISOString() ?? null,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
  };
}
