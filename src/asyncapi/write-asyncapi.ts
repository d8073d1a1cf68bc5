import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ASYNCAPI_DOCUMENT_FILE, buildAsyncApiDocument } from './asyncapi-document';

/**
 * `npm run docs:asyncapi`: writes docs/asyncapi.json from the code. Run from the repository
 * root after changing a channel; test/asyncapi.spec.ts fails until the committed file matches.
 */
export function asyncApiFileContent(): string {
  return `${JSON.stringify(buildAsyncApiDocument(), null, 2)}\n`;
}

if (require.main === module) {
  writeFileSync(join(process.cwd(), ASYNCAPI_DOCUMENT_FILE), asyncApiFileContent());
  console.log(`wrote ${ASYNCAPI_DOCUMENT_FILE}`);
}
