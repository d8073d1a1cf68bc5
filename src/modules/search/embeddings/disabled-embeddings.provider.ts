import { EmbeddingsNotConfiguredError } from './embeddings.errors';
import { EmbeddingsProvider } from './embeddings.provider';

/** Stands in when `EMBEDDINGS_URL` is unset: semantic search is off and says so. */
export class DisabledEmbeddingsProvider extends EmbeddingsProvider {
  readonly enabled = false;

  constructor(readonly dimensions: number) {
    super();
  }

  async embed(_texts: string[]): Promise<number[][]> {
    throw new EmbeddingsNotConfiguredError();
  }

  async embedQuery(_text: string): Promise<number[]> {
    throw new EmbeddingsNotConfiguredError();
  }
}
