import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { RawResponse } from '../common/interceptors/envelope.interceptor';
import { RateLimit } from '../common/throttling/rate-limit.decorator';
import { MetricsService } from './metrics.service';

/** Prometheus scrape endpoint at `/metrics` (outside `/api`, plain text, not throttled). */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @RawResponse()
  @RateLimit('none')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
