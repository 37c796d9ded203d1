import type { FastifyInstance } from 'fastify';
import { AppError } from '../kernel/errors';

/**
 * Where in a parsed value a NUL character first appears (in a string or an object key), as a JSON
 * pointer under `root`, or null. Iterative, so a body nested thousands deep cannot exhaust the stack.
 */
export function findNul(value: unknown, root: string): string | null {
  const stack: Array<[unknown, string]> = [[value, root]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return path;
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${path}/${i}`]);
    } else if (v !== null && typeof v === 'object') {
      for (const k of Object.keys(v)) {
        if (k.includes('\u0000')) return path;
        stack.push([(v as Record<string, unknown>)[k], `${path}/${k}`]);
      }
    }
  }
  return null;
}

/**
 * Refuses a NUL character in path parameters, the query string or a JSON body with 400
 * validation_failed. No field of the API has a use for it, and PostgreSQL cannot store it in text,
 * so without this the same request is a 500 there and stored as-is on SQLite.
 */
export function registerNulGuard(app: FastifyInstance) {
  app.addHook('preValidation', async (request) => {
    const at =
      findNul(request.params, '/params') ??
      findNul(request.query, '/query') ??
      findNul(request.body, '/body');
    if (at !== null) {
      throw new AppError('validation_failed', 'The request contains a NUL character.', {
        errors: [{ path: at, message: 'must not contain a NUL character (U+0000)' }],
      });
    }
  });
}
