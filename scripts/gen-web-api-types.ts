/**
 * Writes `web/src/api/generated.ts` from the OpenAPI document of the program itself, started in-process on
 * a throw-away SQLite database (no server, no network): `npx tsx scripts/gen-web-api-types.ts`.
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { startTestSystem } from '../test/helpers/system';
import { type OpenApiDocument, renderWebApiTypes } from './web-api-types';

export const GENERATED_FILE = new URL('../web/src/api/generated.ts', import.meta.url);

/** The program's OpenAPI document, as `/openapi.json` answers it. */
export async function openApiDocument(): Promise<OpenApiDocument> {
  const ts = await startTestSystem('sqlite');
  try {
    const response = await ts.app.inject({ method: 'GET', url: '/openapi.json' });
    if (response.statusCode !== 200) throw new Error(`/openapi.json answered ${response.statusCode}`);
    return response.json() as OpenApiDocument;
  } finally {
    await ts.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(GENERATED_FILE, renderWebApiTypes(await openApiDocument()));
}
