import { DataSourceOptions } from 'typeorm';

/**
 * Every migration class in order. Listed explicitly (not globbed) so the same list works
 * compiled, under the TypeORM CLI and under Vitest.
 */
export const MIGRATIONS: NonNullable<DataSourceOptions['migrations']> & unknown[] = [];
