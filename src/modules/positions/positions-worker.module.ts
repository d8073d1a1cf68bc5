import { Module } from '@nestjs/common';
import { PositionsModule } from './positions.module';
import { SettlementConsumer, SettlementSweeper } from './settlement.consumer';

/** The positions module's queue consumers; loaded only in the worker and all roles. */
@Module({
  imports: [PositionsModule],
  providers: [SettlementConsumer, SettlementSweeper],
})
export class PositionsWorkerModule {}
