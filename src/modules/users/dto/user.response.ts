import { ApiProperty } from '@nestjs/swagger';
import { LedgerEntryRow } from '../ledger.repository';
import { LEDGER_KINDS, LedgerKind, ROLES, Role } from '../../../common/vocabulary';
import { UserRow } from '../users.repository';

export class UserResponse {
  @ApiProperty({ format: 'uuid', example: '0b7d3c2a-5f1e-4b8a-9c6d-2e4f6a8b0c1d' }) id!: string;
  @ApiProperty({ example: 'ada@example.com' }) email!: string;
  @ApiProperty({ example: 'Ada' }) displayName!: string;
  @ApiProperty({ enum: ROLES, example: 'user' }) role!: Role;
  @ApiProperty({ example: '1000.00', description: 'Credits, exact decimal string with 2 places' })
  balance!: string;
  @ApiProperty({ example: '2026-11-22T10:00:00.000Z' }) createdAt!: string;
}

export function toUserResponse(user: UserRow): UserResponse {
  return {
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    role: user.role,
    balance: user.balance,
    createdAt: user.createdAt.toISOString(),
  };
}

export class LedgerEntryResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: LEDGER_KINDS, example: 'grant' }) kind!: LedgerKind;
  @ApiProperty({
    example: '-25.00',
    description: 'Signed: positive credits the user, negative debits',
  })
  amount!: string;
  @ApiProperty({ example: '975.00' }) balanceAfter!: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) marketId!: string | null;
  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'The trade, position or grant that caused it',
  })
  referenceId!: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'welcome bonus' }) reason!: string | null;
  @ApiProperty({ example: '2026-11-22T10:00:00.000Z' }) createdAt!: string;
}

export function toLedgerEntryResponse(entry: LedgerEntryRow): LedgerEntryResponse {
  return {
    id: entry.id,
    kind: entry.kind,
    amount: entry.amount,
    balanceAfter: entry.balanceAfter,
    marketId: entry.marketId,
    referenceId: entry.referenceId,
    reason: entry.reason,
    createdAt: entry.createdAt.toISOString(),
  };
}
