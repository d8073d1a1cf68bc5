import { TestApp } from './test-app';

/** `cache_requests_total{cache="market",result=…}` read from the app's /metrics. */
export async function marketCacheCount(
  app: TestApp,
  result: 'hit' | 'miss' | 'error',
): Promise<number> {
  const text = (await app.request({ method: 'GET', url: '/metrics' })).body;
  const line = text
    .split('\n')
    .find(
      (l) =>
        l.startsWith('cache_requests_total{') &&
        l.includes('cache="market"') &&
        l.includes(`result="${result}"`),
    );
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}
