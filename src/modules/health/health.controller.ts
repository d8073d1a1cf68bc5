import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import type Redis from 'ioredis';
import { ApiEnvelope, ApiErrors } from '../../common/openapi/api-envelope.decorator';
import { RateLimit } from '../../common/throttling/rate-limit.decorator';
import { REDIS } from '../../redis/redis.module';
import { SearchHealth } from '../search/search-health';
import { LivenessDto, ReadinessDto } from './health.dto';

@ApiTags('Operations')
@RateLimit('none')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly search: SearchHealth,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Liveness: 200 while the process runs' })
  @ApiEnvelope(LivenessDto)
  liveness(): LivenessDto {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({
    summary: 'Readiness: PostgreSQL and Redis answer; 503 names the one that does not',
  })
  @ApiEnvelope(ReadinessDto)
  @ApiErrors('SERVICE_UNAVAILABLE')
  readiness() {
    return this.health.check([
      () => this.database.pingCheck('database').withTimeout(1500),
      () =>
        this.indicators
          .check('redis')
          .attempt(async () => {
            await this.redis.ping();
          })
          .withTimeout(1500),
      // Always up (keyword search needs no embeddings); the details say how semantic search is.
      () => this.indicators.check('search').up({ ...this.search.details() }),
    ]);
  }
}
