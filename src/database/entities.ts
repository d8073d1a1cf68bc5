import { DataSourceOptions } from 'typeorm';

/** Every TypeORM entity, listed once so the app, the CLI and tests agree. */
export const ENTITIES: NonNullable<DataSourceOptions['entities']> & unknown[] = [];
