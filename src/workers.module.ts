import { Module } from '@nestjs/common';

/**
 * Queue consumers. Imported by the HTTP app when APP_ROLE=all and by the worker process
 * (src/worker.ts) when APP_ROLE=worker; never when APP_ROLE=api.
 */
@Module({ imports: [] })
export class WorkersModule {}
