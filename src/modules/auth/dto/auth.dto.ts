import { ApiProperty } from '@nestjs/swagger';
import { Field } from '../../../common/openapi/field.decorator';
import { UserResponse } from '../../users/dto/user.response';

export class RegisterDto {
  @Field.email({ example: 'ada@example.com' })
  email!: string;

  @Field.text({ min: 12, max: 128, example: 'correct horse battery staple' })
  password!: string;

  @Field.text({ min: 1, max: 50, example: 'Ada' })
  displayName!: string;
}

export class LoginDto {
  // Not checked as an email: a malformed one is just a wrong credential (the same 401).
  @Field.text({ max: 254, example: 'ada@example.com' })
  email!: string;

  @Field.text({ min: 1, max: 128, example: 'correct horse battery staple' })
  password!: string;
}

export class RefreshTokenDto {
  @Field.text({ min: 1, max: 512, example: 'm1cJ3kT0s9bq8N2xvYfZ4u7H5rWcQ1eA6dLgP0oS2iE' })
  refreshToken!: string;
}

export class TokensResponse {
  @ApiProperty({ type: UserResponse }) user!: UserResponse;
  @ApiProperty({ example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9…' }) accessToken!: string;
  @ApiProperty({
    example: 'm1cJ3kT0s9bq8N2xvYfZ4u7H5rWcQ1eA6dLgP0oS2iE',
    description: 'Opaque, single use',
  })
  refreshToken!: string;
  @ApiProperty({ example: 900, description: 'Access token lifetime in seconds' })
  expiresIn!: number;
  @ApiProperty({ example: 'Bearer' }) tokenType!: 'Bearer';
}
