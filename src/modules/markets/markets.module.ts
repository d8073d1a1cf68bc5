import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { MarketBook } from './market-book';
import { MarketCache } from './market-cache';
import { MarketsController } from './markets.controller';
import { MarketsRepository } from './markets.repository';
import { MarketsService } from './markets.service';

@Module({
  imports: [UsersModule],
  controllers: [MarketsController],
  providers: [MarketsService, MarketBook, MarketsRepository, MarketCache],
  exports: [MarketBook],
})
export class MarketsModule {}
