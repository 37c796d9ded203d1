/**
 * The small path language of the generic HTTP route: a dotted path into a JSON value (`$.messages.0.id`,
 * `messages[0].id` and `messages.0.id` are the same), and a field of a callback (`query.ref`,
 * `form.status`, `json.payload.messageId` or `$.payload.messageId`).
 */

const SEGMENT = /^[\w-]+$/;

/** The segments of a dotted JSON path, or null when it is not one. */
export function parseJsonPath(path: string): string[] | null {
  const body = path.startsWith('$.') ? path.slice(2) : path === '$' ? '' : path;
  if (body === '') return [];
  const segments = body.replace(/\[(\d+)\]/g, '.$1').split('.');
  return segments.every((s) => SEGMENT.test(s)) ? segments : null;
}

/** The value at `segments` in `value` (undefined when any step is missing). */
export function valueAt(value: unknown, segments: readonly string[]): unknown {
  let current = value;
  for (const s of segments) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[s];
  }
  return current;
}

/** Where a callback field is read from. */
export type FieldSource = { from: 'query' | 'form'; name: string } | { from: 'json'; path: string[] };

/** A callback field reference, or null when it is not `query.X`, `form.X`, `json.a.b` or `$.a.b`. */
export function parseField(field: string): FieldSource | null {
  const dot = field.indexOf('.');
  if (dot < 0) return null;
  const scope = field.slice(0, dot);
  const rest = field.slice(dot + 1);
  if ((scope === 'query' || scope === 'form') && rest.length > 0 && rest.length <= 100)
    return { from: scope, name: rest };
  if (scope === 'json' || scope === '$') {
    const path = parseJsonPath(rest);
    return path && path.length > 0 ? { from: 'json', path } : null;
  }
  return null;
}

/** A JSON value as the text a template, a status map or a reference compares (objects: null). */
export function scalarText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}
