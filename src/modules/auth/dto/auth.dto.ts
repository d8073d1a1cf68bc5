import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsString, Length, MaxLength } from 'class-validator';
import { UserResponse } from '../../users/dto/user.response';

export class RegisterDto {
  @ApiProperty({ example: 'ada@example.com', maxLength: 254 })
  @IsEmail()
  @MaxLength(254)
  email!: string;

  @ApiProperty({ example: 'correct horse battery staple', minLength: 12, maxLength: 128 })
  @IsString()
  @Length(12, 128)
  password!: string;

  @ApiProperty({ example: 'Ada', minLength: 1, maxLength: 50 })
  @IsString()
  @Length(1, 50)
  displayName!: string;
}

export class LoginDto {
  @ApiProperty({ example: 'ada@example.com' })
  @IsString()
  @MaxLength(254)
  email!: string;

  @ApiProperty({ example: 'correct horse battery staple' })
  @IsString()
  @Length(1, 128)
  password!: string;
}

export class RefreshTokenDto {
  @ApiProperty({ example: 'm1cJ3kT0s9bq8N2xvYfZ4u7H5rWcQ1eA6dLgP0oS2iE' })
  @IsString()
  @Length(1, 512)
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
