import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { GENERATED_FILE, openApiDocument } from '../../scripts/gen-web-api-types';
import { ENUM_SOURCES, type OpenApiDocument, readEnum, renderWebApiTypes } from '../../scripts/web-api-types';
import { MESSAGE_STATUSES } from '../../src/modules/messaging';

describe("the web app's generated API lists", () => {
  let doc: OpenApiDocument;
  beforeAll(async () => {
    doc = await openApiDocument();
  });

  it('are current: web/src/api/generated.ts is what the OpenAPI document gives now', () => {
    // Out of date? Run `npx tsx scripts/gen-web-api-types.ts` and commit the file.
    expect(readFileSync(GENERATED_FILE, 'utf8')).toBe(renderWebApiTypes(doc));
  });

  it("read the message statuses from the server's one definition, in its order", () => {
    expect(readEnum(doc, ENUM_SOURCES.find((s) => s.name === 'MESSAGE_STATUSES')!)).toEqual([
      ...MESSAGE_STATUSES,
    ]);
  });

  it('refuse a field that is no enum rather than write a shorter list', () => {
    const source = ENUM_SOURCES.find((s) => s.name === 'USER_ROLES')!;
    const broken: OpenApiDocument = structuredClone(doc);
    const schema = broken.paths[source.path]!.post!.requestBody!.content!['application/json']!.schema!;
    schema.properties![source.field] = {};
    expect(() => renderWebApiTypes(broken)).toThrow(/"role" is not an enum any more \(for USER_ROLES\)/);
  });
});
