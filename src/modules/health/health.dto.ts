import { ApiProperty } from '@nestjs/swagger';

export class LivenessDto {
  @ApiProperty({ example: 'ok' })
  status!: 'ok';
}

export class ReadinessDto {
  @ApiProperty({ example: 'ok', enum: ['ok', 'error'] })
  status!: string;

  @ApiProperty({ example: { database: { status: 'up' }, redis: { status: 'up' } } })
  info!: Record<string, { status: string }>;
}
