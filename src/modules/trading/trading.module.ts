import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { MarketsModule } from '../markets';
import { UsersModule } from '../users/users.module';
import { MarketTradingController } from './market-trading.controller';
import { MeTradesController } from './me-trades.controller';
import { PositionsController } from './positions.controller';
import { PositionsRepository } from './positions.repository';
import { PositionsService } from './positions.service';
import { ResolutionService } from './resolution.service';
import { SETTLEMENT_QUEUE } from './settlement.jobs';
import { SettlementProducer } from './settlement.producer';
import { SettlementService } from './settlement.service';
import { MarketTurns } from './market-turns';
import { TradesRepository } from './trades.repository';
import { TradingService } from './trading.service';

@Module({
  imports: [MarketsModule, UsersModule, BullModule.registerQueue({ name: SETTLEMENT_QUEUE })],
  controllers: [PositionsController, MarketTradingController, MeTradesController],
  providers: [
    TradingService,
    PositionsService,
    ResolutionService,
    SettlementService,
    SettlementProducer,
    PositionsRepository,
    TradesRepository,
    MarketTurns,
  ],
  exports: [
    TradingService,
    PositionsService,
    SettlementService,
    SettlementProducer,
    MarketsModule,
    BullModule,
  ],
})
export class TradingModule {}
