import { embeddingContentHash, marketEmbeddingText } from './embedding-text';

describe('market embedding text', () => {
  it('joins the name, the tags and the description', () => {
    expect(
      marketEmbeddingText({
        name: ' Will it rain in Paris? ',
        description: 'Météo-France data.',
        tags: ['weather', 'france'],
      }),
    ).toBe('Will it rain in Paris?\nTags: weather, france\nMétéo-France data.');
    expect(marketEmbeddingText({ name: 'Just a name', description: '  ', tags: [] })).toBe(
      'Just a name',
    );
  });

  it('hashes text, model and size together', () => {
    const hash = embeddingContentHash('text', 'model-a', 384);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(embeddingContentHash('text', 'model-a', 384)).toBe(hash);
    expect(embeddingContentHash('text', 'model-b', 384)).not.toBe(hash);
    expect(embeddingContentHash('text', 'model-a', 256)).not.toBe(hash);
    expect(embeddingContentHash('text ', 'model-a', 384)).not.toBe(hash);
  });
});
