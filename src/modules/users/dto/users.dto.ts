import { Field } from '../../../common/openapi/field.decorator';
import { ROLES, Role } from '../../../common/vocabulary';

export class ChangeRoleDto {
  @Field.enum(ROLES, { example: 'moderator' })
  role!: Role;
}

export class GrantCreditsDto {
  @Field.decimal({
    places: 2,
    min: '0.01',
    max: '1000000',
    example: '250.00',
    description: 'Credits to grant.',
  })
  amount!: string;

  @Field.text({ min: 1, max: 200, example: 'tournament prize' })
  reason!: string;
}
