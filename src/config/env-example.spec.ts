import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { getMetadataStorage } from 'class-validator';
import { loadConfig } from './app-config';
import { EnvSchema } from './env.schema';

/**
 * `.env.example` says "copy to .env": doing so must give exactly the defaults an empty
 * environment gets, and document every variable the process reads.
 */
const examplePath = join(__dirname, '..', '..', '.env.example');
const example = parseEnv(readFileSync(examplePath, 'utf8')) as NodeJS.ProcessEnv;

/** The config minus the one value that is random per load (no JWT_SECRET in either). */
function comparable(env: NodeJS.ProcessEnv) {
  const config = loadConfig(env);
  return { ...config, auth: { ...config.auth, jwtSecret: '<random>' } };
}

describe('.env.example', () => {
  it('copied to .env, gives exactly the defaults', () => {
    expect(comparable(example)).toEqual(comparable({}));
  });

  it('lists every variable the schema reads, and no other', () => {
    const declared = new Set(
      getMetadataStorage()
        .getTargetValidationMetadatas(EnvSchema, '', false, false)
        .map((metadata) => metadata.propertyName),
    );
    expect(Object.keys(example).sort()).toEqual([...declared].sort());
  });
});
