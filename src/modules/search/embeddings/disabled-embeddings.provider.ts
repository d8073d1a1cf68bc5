import { EmbeddingsNotConfiguredError } from './embeddings.errors';
import { EmbeddingsProvider, ProviderHealth } from './embeddings.provider';

/** `EMBEDDINGS_PROVIDER=none`: semantic search is off and says so. */
export class DisabledEmbeddingsProvider extends EmbeddingsProvider {
  readonly kind = 'none';
  readonly enabled = false;
  readonly paid = false;
  readonly model = 'none';
  readonly requestedDimensions = null;

  health(): ProviderHealth {
    return { status: 'disabled', detail: 'EMBEDDINGS_PROVIDER=none: keyword search only' };
  }

  async embed(_texts: string[]): Promise<number[][]> {
    throw new EmbeddingsNotConfiguredError();
  }

  async embedQuery(_text: string): Promise<number[]> {
    throw new EmbeddingsNotConfiguredError();
  }
}
