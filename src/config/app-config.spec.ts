import { ConfigError, loadConfig } from './app-config';

describe('loadConfig', () => {
  it('gives working local defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config.http.port).toBe(3000);
    expect(config.http.bodyLimitBytes).toBe(102_400);
    expect(config.database.url).toBe('postgres://postgres@127.0.0.1:5432/market_api');
    expect(config.rateLimit).toEqual({ read: 100, write: 30, auth: 5, windowMs: 60_000 });
    expect(config.money.startingBalance).toBe('1000.00');
    expect(config.embeddings.url).toBeUndefined();
  });

  it('converts numbers and booleans from strings', () => {
    const config = loadConfig({ PORT: '8080', TRUST_PROXY: 'true', RATE_LIMIT_READ: '7' });
    expect(config.http.port).toBe(8080);
    expect(config.http.trustProxy).toBe(true);
    expect(config.rateLimit.read).toBe(7);
  });

  it('names each bad variable in one line', () => {
    expect(() => loadConfig({ PORT: 'eighty', REDIS_URL: 'http://x' })).toThrow(ConfigError);
    try {
      loadConfig({ PORT: 'eighty', REDIS_URL: 'http://x' });
    } catch (error) {
      const message = (error as Error).message;
      expect(message).not.toContain('\n');
      expect(message).toMatch(/PORT/);
      expect(message).toMatch(/REDIS_URL/);
    }
  });

  it('refuses to start in production without secrets', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
      /JWT_SECRET, DATABASE_URL, REDIS_URL must be set in production/,
    );
  });

  it('rejects a short JWT secret and a money value with three places', () => {
    expect(() => loadConfig({ JWT_SECRET: 'short' })).toThrow(/JWT_SECRET/);
    expect(() => loadConfig({ STARTING_BALANCE: '10.005' })).toThrow(/STARTING_BALANCE/);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ EMBEDDINGS_URL: '' }).embeddings.url).toBeUndefined();
  });

  it('uses the built-in embeddings provider by default, openai when only a URL is set', () => {
    expect(loadConfig({}).embeddings).toMatchObject({ provider: 'local', dimensions: undefined });
    expect(loadConfig({ EMBEDDINGS_URL: 'http://localhost:11434/v1' }).embeddings.provider).toBe(
      'openai',
    );
    expect(loadConfig({ EMBEDDINGS_PROVIDER: 'none' }).embeddings.provider).toBe('none');
    expect(() => loadConfig({ EMBEDDINGS_PROVIDER: 'openai' })).toThrow(/EMBEDDINGS_URL/);
    expect(() => loadConfig({ EMBEDDINGS_PROVIDER: 'onnx' })).toThrow(/EMBEDDINGS_PROVIDER/);
  });

  it('strips a trailing slash from the embeddings URL', () => {
    expect(loadConfig({ EMBEDDINGS_URL: 'http://localhost:11434/v1/' }).embeddings.url).toBe(
      'http://localhost:11434/v1',
    );
  });

  it('reads CORS_ORIGINS as a list of origins (none by default) and refuses anything else', () => {
    expect(loadConfig({}).http.corsOrigins).toEqual([]);
    expect(
      loadConfig({ CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' }).http
        .corsOrigins,
    ).toEqual(['https://app.example.com', 'http://localhost:5173']);
    for (const bad of ['*', 'app.example.com', 'https://app.example.com/path', 'https://a.com,,']) {
      expect(() => loadConfig({ CORS_ORIGINS: bad })).toThrow(/CORS_ORIGINS/);
    }
  });
});
