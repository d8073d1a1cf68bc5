import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import type { VersionedMarketRow } from '../markets';

/** Markets whose last written state this process remembers (a few kB each). */
const REMEMBERED = 10_000;

/**
 * The guarded buys of one market take turns in this process, and each is quoted at the
 * state the previous one wrote. Without turns, concurrent buys of one market read the same
 * version and all but one find it moved; with them, a hot market's buys follow each other
 * at one round trip each (the statement), not two (read, statement).
 *
 * What is remembered is only a guess: the guarded statement writes nothing unless the row is
 * still that version, and then the caller forgets it (`forget`) and reads again. Other
 * processes' writes, resolutions and edits are caught the same way.
 */
@Injectable()
export class MarketTurns {
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly written = new LRUCache<string, VersionedMarketRow>({ max: REMEMBERED });

  /** Runs `work` once every earlier turn of `marketId` in this process has settled. */
  take<T>(marketId: string, work: () => Promise<T>): Promise<T> {
    const turn = (this.tails.get(marketId) ?? Promise.resolve()).then(work);
    const tail = turn.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(marketId, tail);
    void tail.then(() => {
      if (this.tails.get(marketId) === tail) this.tails.delete(marketId);
    });
    return turn;
  }

  /** The state this process last wrote to `marketId`, if it remembers one. */
  lastWritten(marketId: string): VersionedMarketRow | undefined {
    return this.written.get(marketId);
  }

  remember(market: VersionedMarketRow): void {
    this.written.set(market.id, market);
  }

  forget(marketId: string): void {
    this.written.delete(marketId);
  }
}
