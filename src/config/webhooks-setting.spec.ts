import { ConfigError, loadConfig } from './app-config';

describe('WEBHOOKS_ALLOW_PRIVATE', () => {
  it('is false by default and when empty', () => {
    expect(loadConfig({}).webhooks.allowPrivate).toBe(false);
    expect(loadConfig({ WEBHOOKS_ALLOW_PRIVATE: '' }).webhooks.allowPrivate).toBe(false);
  });

  it.each(['true', 'YES', '1', ' on '])('reads %j as true', (value) => {
    expect(loadConfig({ WEBHOOKS_ALLOW_PRIVATE: value }).webhooks.allowPrivate).toBe(true);
  });

  it.each(['false', 'No', '0', 'off'])('reads %j as false', (value) => {
    expect(loadConfig({ WEBHOOKS_ALLOW_PRIVATE: value }).webhooks.allowPrivate).toBe(false);
  });

  it.each(['2', 'y', 'allow', 'truee'])('refuses %j in one line naming the variable', (value) => {
    expect(() => loadConfig({ WEBHOOKS_ALLOW_PRIVATE: value })).toThrow(
      /^Invalid configuration: WEBHOOKS_ALLOW_PRIVATE: must be one of true\/false/,
    );
  });

  it('is refused in production: a server that may post to its own network is an SSRF hole', () => {
    const production = {
      NODE_ENV: 'production',
      JWT_SECRET: 'x'.repeat(32),
      DATABASE_URL: 'postgres://db/market',
      REDIS_URL: 'redis://cache:6379',
    };
    expect(loadConfig(production).webhooks.allowPrivate).toBe(false);
    expect(() => loadConfig({ ...production, WEBHOOKS_ALLOW_PRIVATE: 'true' })).toThrow(
      ConfigError,
    );
    expect(() => loadConfig({ ...production, WEBHOOKS_ALLOW_PRIVATE: 'true' })).toThrow(
      /WEBHOOKS_ALLOW_PRIVATE=true .* never production/,
    );
  });
});
