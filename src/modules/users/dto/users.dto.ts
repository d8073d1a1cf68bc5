import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, Length } from 'class-validator';
import { IsDecimalString } from '../../../common/decorators/decimal-string.decorator';
import { ROLES, Role } from '../user.entity';

export class ChangeRoleDto {
  @ApiProperty({ enum: ROLES, example: 'moderator' })
  @IsIn(ROLES)
  role!: Role;
}

export class GrantCreditsDto {
  @IsDecimalString({
    places: 2,
    min: '0.01',
    max: '1000000',
    example: '250.00',
    description: 'Credits to grant.',
  })
  amount!: string;

  @ApiProperty({ example: 'tournament prize', minLength: 1, maxLength: 200 })
  @IsString()
  @Length(1, 200)
  reason!: string;
}
