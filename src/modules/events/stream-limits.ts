import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/errors/app-error';
import { AppConfig } from '../../config/app-config';
import { StreamMetrics } from './stream.metrics';

/**
 * Open stream connections per client IP and per user, on this instance (a load balancer
 * spreading one client over n instances allows it n times the limit). A WebSocket counts
 * once however many channels it subscribes.
 */
@Injectable()
export class StreamLimits {
  private readonly perIp = new Map<string, number>();
  private readonly perUser = new Map<string, number>();

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: StreamMetrics,
  ) {}

  /** Counts a connection of `ip`; throws RATE_LIMITED when the IP is at its limit. */
  acquireIp(ip: string): () => void {
    return this.acquire(this.perIp, ip, this.config.events.maxConnectionsPerIp, 'this address');
  }

  /** Counts a connection of a user (the `me` streams); RATE_LIMITED at the limit. */
  acquireUser(userId: string): () => void {
    return this.acquire(
      this.perUser,
      userId,
      this.config.events.maxConnectionsPerUser,
      'this user',
    );
  }

  private acquire(counts: Map<string, number>, key: string, limit: number, who: string) {
    const open = counts.get(key) ?? 0;
    if (open >= limit) {
      this.metrics.drops.inc({ reason: 'connection_limit' });
      throw new AppError(
        'RATE_LIMITED',
        `Too many open streams for ${who} (limit ${limit}); close one or retry later.`,
        { limit },
      );
    }
    counts.set(key, open + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (counts.get(key) ?? 1) - 1;
      if (left <= 0) counts.delete(key);
      else counts.set(key, left);
    };
  }
}
