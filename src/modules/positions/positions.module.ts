import { Module } from '@nestjs/common';
import { MarketsModule } from '../markets/markets.module';
import { UsersModule } from '../users/users.module';
import { MarketTradingController } from './market-trading.controller';
import { MeTradesController } from './me-trades.controller';
import { PositionsController } from './positions.controller';
import { PositionsRepository } from './positions.repository';
import { PositionsService } from './positions.service';
import { TradesRepository } from './trades.repository';
import { TradingService } from './trading.service';

@Module({
  imports: [MarketsModule, UsersModule],
  controllers: [PositionsController, MarketTradingController, MeTradesController],
  providers: [TradingService, PositionsService, PositionsRepository, TradesRepository],
  exports: [TradingService, PositionsService, PositionsRepository],
})
export class PositionsModule {}
