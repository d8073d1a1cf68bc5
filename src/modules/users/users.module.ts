import { Module } from '@nestjs/common';
import { LedgerRepository } from './ledger.repository';
import { LedgerService } from './ledger.service';
import { LedgerController } from './ledger.controller';
import { UserAuthorityService } from './user-authority.service';
import { UsersController } from './users.controller';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

@Module({
  controllers: [UsersController, LedgerController],
  providers: [UsersService, UsersRepository, LedgerService, LedgerRepository, UserAuthorityService],
  exports: [UsersService, LedgerService, UserAuthorityService],
})
export class UsersModule {}
