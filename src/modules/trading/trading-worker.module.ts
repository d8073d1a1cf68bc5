import { Module } from '@nestjs/common';
import { TradingModule } from './trading.module';
import { SettlementConsumer } from './settlement.consumer';
import { SettlementSweeper } from './settlement.sweeper';

/** The trading module's queue consumers; loaded only in the worker and all roles. */
@Module({
  imports: [TradingModule],
  providers: [SettlementConsumer, SettlementSweeper],
})
export class TradingWorkerModule {}
