/**
 * The Redis pub/sub channel on which the relay announces the public log's new last seq.
 * ioredis' keyPrefix does not apply to channels, hence the explicit prefix.
 */
export function eventsChannel(redisPrefix: string): string {
  return `${redisPrefix}:events:appended`;
}
