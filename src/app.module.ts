import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { AllExceptionsFilter } from './common/filters/all-exceptions.filter';
import { createValidationPipe } from './common/http/validation.pipe';
import { loggerOptions } from './common/logging/logger.options';
import { AppThrottlerGuard } from './common/throttling/app-throttler.guard';
import { ThrottlingModule } from './common/throttling/throttling.module';
import { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { MetricsModule } from './metrics/metrics.module';
import { AuthenticationGuard } from './modules/auth/authentication.guard';
import { AuthModule } from './modules/auth/auth.module';
import { PermissionsGuard } from './modules/auth/permissions.guard';
import { HealthModule } from './modules/health/health.module';
import { SearchModule } from './modules/search/search.module';
import { UsersModule } from './modules/users/users.module';
import { EventsModule } from './modules/events/events.module';
import { LiveEventsModule } from './modules/events/live-events.module';
import { TransactionsModule } from './database/transactions.module';
import { MarketsModule } from './modules/markets/markets.module';
import { TradingModule } from './modules/trading/trading.module';
import { QueuesModule } from './queues/queues.module';
import { RedisModule } from './redis/redis.module';
import { WebhooksModule } from './modules/webhooks/webhooks.module';
import { WorkersModule } from './workers.module';

/** Infrastructure every process needs: config, logs, PostgreSQL, Redis, metrics. */
export function coreImports(config: AppConfig) {
  return [
    AppConfigModule.register(config),
    LoggerModule.forRoot(loggerOptions(config)),
    DatabaseModule,
    RedisModule,
    QueuesModule,
    MetricsModule,
    EventsModule,
    TransactionsModule,
    // Sign-in attempts are limited by AuthService itself, so whatever runs it (the admin CLI
    // too) needs the limiter.
    ThrottlingModule,
  ];
}

/** The HTTP application. Guards run in the order listed: authentication, throttling, permissions. */
@Module({})
export class AppModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...coreImports(config),
        HealthModule,
        UsersModule,
        AuthModule,
        MarketsModule,
        TradingModule,
        SearchModule,
        LiveEventsModule,
        WebhooksModule,
        ...(config.role === 'all' ? [WorkersModule] : []),
      ],
      providers: [
        { provide: APP_GUARD, useExisting: AuthenticationGuard },
        { provide: APP_GUARD, useClass: AppThrottlerGuard },
        { provide: APP_GUARD, useExisting: PermissionsGuard },
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
      ],
    };
  }
}
