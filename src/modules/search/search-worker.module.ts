import { Module } from '@nestjs/common';
import { SearchIndexConsumer } from './search-index.consumer';
import { SearchModule } from './search.module';

/** The `search-index` consumer; imported by WorkersModule only (worker and all roles). */
@Module({ imports: [SearchModule], providers: [SearchIndexConsumer] })
export class SearchWorkerModule {}
