/**
 * Renders `web/src/api/generated.ts`, the value lists the web app shares with the server (message statuses,
 * roles, event types, …), from the server's OpenAPI document, so that the app never keeps a copy of its own.
 * Each list is read from one request field that names it as an enum; a field that stops being one is an
 * error, not a silently shorter list.
 */

interface JsonSchema {
  $ref?: string;
  enum?: unknown[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
}

interface Operation {
  parameters?: Array<{ in: string; name: string; schema?: JsonSchema }>;
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

interface EnumSource {
  /** The exported constant's name; its type is the singular (`MESSAGE_STATUSES` → `MessageStatus`). */
  name: string;
  type: string;
  doc: string;
  method: 'get' | 'post' | 'put' | 'patch';
  path: string;
  in: 'query' | 'body';
  field: string;
}

/** The lists the web app uses, and the request field each is read from. */
export const ENUM_SOURCES: readonly EnumSource[] = [
  {
    name: 'MESSAGE_STATUSES',
    type: 'MessageStatus',
    doc: "Every message status, in lifecycle order (a webhook's status filter takes any of them).",
    method: 'post',
    path: '/v1/webhooks',
    in: 'body',
    field: 'statuses',
  },
  {
    name: 'WEBHOOK_EVENT_TYPES',
    type: 'WebhookEventType',
    doc: 'The events a webhook endpoint can subscribe to.',
    method: 'post',
    path: '/v1/webhooks',
    in: 'body',
    field: 'events',
  },
  {
    name: 'USER_ROLES',
    type: 'UserRole',
    doc: "The roles of an account's team members.",
    method: 'post',
    path: '/v1/users',
    in: 'body',
    field: 'role',
  },
  {
    name: 'STAFF_ROLES',
    type: 'StaffRole',
    doc: "The roles of the operator's staff.",
    method: 'post',
    path: '/v1/admin/staff',
    in: 'body',
    field: 'role',
  },
  {
    name: 'REFUND_POLICIES',
    type: 'RefundPolicy',
    doc: "An account's refund policy (which failed messages give their credits back).",
    method: 'patch',
    path: '/v1/admin/accounts/{id}/settings',
    in: 'body',
    field: 'refundPolicy',
  },
  {
    name: 'INCIDENT_SEVERITIES',
    type: 'IncidentSeverity',
    doc: "A personal-data incident's severity.",
    method: 'post',
    path: '/v1/admin/incidents',
    in: 'body',
    field: 'severity',
  },
  {
    name: 'PRIVACY_REQUEST_KINDS',
    type: 'PrivacyRequestKind',
    doc: 'What a data subject asks for.',
    method: 'post',
    path: '/v1/admin/privacy-requests',
    in: 'body',
    field: 'kind',
  },
  {
    name: 'PRIVACY_REQUEST_STATUSES',
    type: 'PrivacyRequestStatus',
    doc: "A privacy request's state.",
    method: 'get',
    path: '/v1/privacy/requests',
    in: 'query',
    field: 'status',
  },
];

/** A schema with a `$ref` to the document's components replaced by what it names. */
function resolve(doc: OpenApiDocument, schema: JsonSchema | undefined): JsonSchema | undefined {
  if (!schema?.$ref) return schema;
  return doc.components?.schemas?.[schema.$ref.replace('#/components/schemas/', '')];
}

/**
 * The enum a schema names: its own, its items', or the one of its `anyOf`/`oneOf`/`allOf` members, through
 * `$ref`s to the document's components.
 */
function enumOf(doc: OpenApiDocument, schema: JsonSchema | undefined): string[] | null {
  if (!schema) return null;
  if (schema.$ref) return enumOf(doc, resolve(doc, schema));
  if (Array.isArray(schema.enum)) return schema.enum.map(String);
  const inner = [schema.items, ...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])];
  for (const s of inner) {
    const found = enumOf(doc, s);
    if (found) return found;
  }
  return null;
}

function fieldSchema(doc: OpenApiDocument, source: EnumSource): JsonSchema | undefined {
  const operation = doc.paths[source.path]?.[source.method];
  if (!operation)
    throw new Error(`The OpenAPI document has no ${source.method.toUpperCase()} ${source.path}.`);
  if (source.in === 'query') {
    return operation.parameters?.find((p) => p.in === 'query' && p.name === source.field)?.schema;
  }
  return resolve(doc, operation.requestBody?.content?.['application/json']?.schema)?.properties?.[
    source.field
  ];
}

/** The list a source names, or an error that says which field stopped being an enum. */
export function readEnum(doc: OpenApiDocument, source: EnumSource): string[] {
  const values = enumOf(doc, fieldSchema(doc, source));
  if (!values || values.length === 0) {
    throw new Error(
      `${source.method.toUpperCase()} ${source.path} ${source.in} field "${source.field}" is not an enum any more (for ${source.name}).`,
    );
  }
  return values;
}

/** The text of `web/src/api/generated.ts` for an OpenAPI document (formatted as Biome formats it). */
export function renderWebApiTypes(doc: OpenApiDocument): string {
  const out = [
    "// Generated from the server's OpenAPI document by scripts/gen-web-api-types.ts: do not edit by hand.",
    '// Write it again with `npx tsx scripts/gen-web-api-types.ts`; test/unit/web-api-types.test.ts checks it.',
  ];
  for (const source of ENUM_SOURCES) {
    const values = readEnum(doc, source);
    const oneLine = `export const ${source.name} = [${values.map((v) => `'${v}'`).join(', ')}] as const;`;
    out.push(
      '',
      `/** ${source.doc} */`,
      oneLine.length <= 110
        ? oneLine
        : [`export const ${source.name} = [`, ...values.map((v) => `  '${v}',`), '] as const;'].join('\n'),
      `export type ${source.type} = (typeof ${source.name})[number];`,
    );
  }
  return `${out.join('\n')}\n`;
}
