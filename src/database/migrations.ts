import { DataSourceOptions } from 'typeorm';
import { UsersAndLedger1732300000000 } from '../../migrations/1732300000000-UsersAndLedger';

/**
 * Every migration class in order. Listed explicitly (not globbed) so the same list works
 * compiled, under the TypeORM CLI and under Vitest.
 */
export const MIGRATIONS: NonNullable<DataSourceOptions['migrations']> & unknown[] = [
  UsersAndLedger1732300000000,
];
