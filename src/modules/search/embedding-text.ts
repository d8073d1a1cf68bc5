import { createHash } from 'node:crypto';

export interface MarketText {
  name: string;
  description: string;
  tags: readonly string[];
}

/** The text a market is embedded from: the name, its tags, then the description. */
export function marketEmbeddingText(market: MarketText): string {
  const parts = [market.name.trim()];
  if (market.tags.length > 0) parts.push(`Tags: ${market.tags.join(', ')}`);
  const description = market.description.trim();
  if (description) parts.push(description);
  return parts.join('\n');
}

/**
 * Identifies what a stored vector was computed from: the text, the model and the vector
 * size. Equal hash → re-embedding would give the same vector, so the job skips it; a new
 * model or size changes every hash, so a reindex recomputes everything.
 */
export function embeddingContentHash(text: string, model: string, dimensions: number): string {
  return createHash('sha256').update(`${model}\n${dimensions}\n${text}`, 'utf8').digest('hex');
}
