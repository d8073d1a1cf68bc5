import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig, loadDotEnv } from '../config/app-config';
import { dataSourceOptions } from './data-source-options';

// Used by the TypeORM CLI (`npm run migration:*`): the same options as the app.
loadDotEnv();
export default new DataSource(dataSourceOptions(loadConfig()));
