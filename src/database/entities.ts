import { DataSourceOptions } from 'typeorm';
import { ApiKeyEntity } from '../modules/auth/api-keys/api-key.entity';
import { RefreshTokenEntity } from '../modules/auth/refresh-token.entity';
import { MarketEntity } from '../modules/markets/market.entity';
import { LedgerEntryEntity } from '../modules/users/ledger-entry.entity';
import { UserEntity } from '../modules/users/user.entity';

/** Every TypeORM entity, listed once so the app, the CLI and tests agree. */
export const ENTITIES: NonNullable<DataSourceOptions['entities']> & unknown[] = [
  UserEntity,
  LedgerEntryEntity,
  RefreshTokenEntity,
  ApiKeyEntity,
  MarketEntity,
];
