import { Module } from '@nestjs/common';
import { LedgerRepository } from './ledger.repository';
import { LedgerService } from './ledger.service';
import { MeController } from './me.controller';
import { UserAuthorityService } from './user-authority.service';
import { UsersController } from './users.controller';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

@Module({
  controllers: [UsersController, MeController],
  providers: [UsersService, UsersRepository, LedgerService, LedgerRepository, UserAuthorityService],
  exports: [UsersService, LedgerService, UserAuthorityService],
})
export class UsersModule {}
