import { AppConfig, ConfigError, loadConfig } from './app-config';

/**
 * Each boolean setting, and where the loaded config shows it. TRUST_PROXY is not one: digits
 * are hop counts there (trust-proxy.spec.ts).
 */
const BOOLEAN_SETTINGS: Array<[name: string, read: (config: AppConfig) => boolean]> = [
  ['MIGRATIONS_RUN', (config) => config.database.runMigrationsOnStart],
  ['EMBEDDINGS_SEND_DIMENSIONS', (config) => config.embeddings.sendDimensions],
];

function configError(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('boolean settings', () => {
  describe.each(BOOLEAN_SETTINGS)('%s', (name, read) => {
    it.each(['true', 'TRUE', 'True', '1', 'yes', 'YES', 'on', 'On', ' true '])(
      'reads %j as true',
      (value) => expect(read(loadConfig({ [name]: value }))).toBe(true),
    );
    it.each(['false', 'FALSE', 'False', '0', 'no', 'NO', 'off', 'Off'])(
      'reads %j as false',
      (value) => expect(read(loadConfig({ [name]: value }))).toBe(false),
    );
    it.each(['2', 'y', 'n', 'enabled', 'truee', '-1', 'null', 'undefined'])(
      'refuses %j in one line naming the variable',
      (value) => {
        const message = configError({ [name]: value });
        expect(message).not.toContain('\n');
        expect(message).toContain(name);
        expect(message).toContain('true/false, 1/0, yes/no, on/off');
      },
    );
  });

  it('keeps the documented defaults when unset or empty', () => {
    for (const env of [
      {},
      { TRUST_PROXY: '', MIGRATIONS_RUN: '', EMBEDDINGS_SEND_DIMENSIONS: '' },
    ]) {
      const config = loadConfig(env);
      expect(config.http.trustProxy).toBe(false);
      expect(config.database.runMigrationsOnStart).toBe(true);
      expect(config.embeddings.sendDimensions).toBe(true);
    }
  });
});

describe('HOST', () => {
  it('is loopback in development and test, every interface in production', () => {
    expect(loadConfig({}).http.host).toBe('127.0.0.1');
    expect(loadConfig({ NODE_ENV: 'test' }).http.host).toBe('127.0.0.1');
    const production = loadConfig({
      NODE_ENV: 'production',
      JWT_SECRET: 'x'.repeat(32),
      DATABASE_URL: 'postgres://db/market',
      REDIS_URL: 'redis://cache:6379',
    });
    expect(production.http.host).toBe('0.0.0.0');
  });

  it('takes an address or host name, nothing else', () => {
    expect(loadConfig({ HOST: '0.0.0.0' }).http.host).toBe('0.0.0.0');
    expect(loadConfig({ HOST: '::' }).http.host).toBe('::');
    expect(loadConfig({ HOST: 'localhost' }).http.host).toBe('localhost');
    expect(configError({ HOST: 'http://0.0.0.0' })).toContain('HOST');
  });
});

describe('JWT_SECRET', () => {
  it('without it outside production, is random per load: no constant anyone could read', () => {
    const first = loadConfig({});
    const second = loadConfig({});
    expect(first.auth.jwtSecretIsEphemeral).toBe(true);
    expect(first.auth.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(first.auth.jwtSecret).not.toBe(second.auth.jwtSecret);
  });

  it('is used as given, and production still refuses to start without it', () => {
    const config = loadConfig({ JWT_SECRET: 's'.repeat(40) });
    expect(config.auth).toMatchObject({ jwtSecret: 's'.repeat(40), jwtSecretIsEphemeral: false });
    expect(
      configError({
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://db/market',
        REDIS_URL: 'redis://cache:6379',
      }),
    ).toBe('Invalid configuration: JWT_SECRET must be set in production');
  });
});

describe('DATABASE_URL', () => {
  it('takes a postgres:// URL with a host, a Unix socket given with ?host=', () => {
    for (const url of [
      'postgres://db/market',
      'postgresql://user:secret@db.internal:5433/market',
      'postgres://postgres@localhost/market?host=/var/run/postgresql',
    ]) {
      expect(loadConfig({ DATABASE_URL: url }).database.url).toBe(url);
    }
  });

  it('refuses, in one line naming it, a URL without a host or of another scheme', () => {
    for (const url of ['postgres://postgres@/market', 'postgres:///market', 'mysql://db/market']) {
      const error = configError({ DATABASE_URL: url });
      expect(error).toContain('DATABASE_URL: must be a postgres:// URL with a host');
      expect(error).not.toContain('\n');
    }
  });
});

describe('EMBEDDINGS_URL', () => {
  it('accepts http and https URLs', () => {
    expect(loadConfig({ EMBEDDINGS_URL: 'https://api.openai.com/v1' }).embeddings.url).toBe(
      'https://api.openai.com/v1',
    );
    expect(loadConfig({ EMBEDDINGS_URL: 'http://localhost:11434/v1' }).embeddings.url).toBe(
      'http://localhost:11434/v1',
    );
  });

  it.each(['localhost:11434/v1', 'api.openai.com/v1', 'ftp://example.com', 'file:///etc/passwd'])(
    'refuses %j',
    (value) => expect(configError({ EMBEDDINGS_URL: value })).toMatch(/EMBEDDINGS_URL.*http\(s\)/),
  );
});

describe('ADMIN_EMAIL and ADMIN_PASSWORD', () => {
  it('are both set or neither', () => {
    expect(loadConfig({}).admin).toEqual({ email: undefined, password: undefined });
    expect(
      loadConfig({ ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: 'long enough secret' }).admin,
    ).toEqual({ email: 'root@example.com', password: 'long enough secret' });
    expect(configError({ ADMIN_EMAIL: 'root@example.com' })).toBe(
      'Invalid configuration: ADMIN_EMAIL and ADMIN_PASSWORD go together; ADMIN_PASSWORD is missing',
    );
    expect(configError({ ADMIN_PASSWORD: 'long enough secret' })).toBe(
      'Invalid configuration: ADMIN_EMAIL and ADMIN_PASSWORD go together; ADMIN_EMAIL is missing',
    );
  });
});

describe('metrics', () => {
  it('is public on PORT by default; METRICS_PORT and METRICS_TOKEN are read and checked', () => {
    expect(loadConfig({}).metrics).toEqual({ port: undefined, token: undefined });
    expect(loadConfig({ METRICS_PORT: '9464', METRICS_TOKEN: 't'.repeat(16) }).metrics).toEqual({
      port: 9464,
      token: 't'.repeat(16),
    });
    expect(configError({ METRICS_PORT: 'ninety' })).toContain('METRICS_PORT');
    expect(configError({ METRICS_TOKEN: 'short' })).toContain('METRICS_TOKEN');
  });
});
