import { Module } from '@nestjs/common';
import { SearchWorkerModule } from './modules/search/search-worker.module';

/**
 * Queue consumers. Imported by the HTTP app when APP_ROLE=all and by the worker process
 * (src/worker.ts) when APP_ROLE=worker; never when APP_ROLE=api.
 */
@Module({ imports: [SearchWorkerModule] })
export class WorkersModule {}
