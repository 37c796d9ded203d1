import { existsSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Where `npm run build:web` writes the React app. */
export const WEB_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/** Paths that belong to the API and its docs: never answered with the web app. */
const API_PATH = /^\/(v1(\/|$)|docs(\/|$)|openapi\.json$|healthz$|readyz$|metrics$|[la]\/)/;

export type WebHandler = (request: FastifyRequest, reply: FastifyReply) => boolean;

/**
 * Serves the built web app from the not-found handler, so it adds no routes to the API's route table:
 * a GET for a file of web/dist gets that file; any other page (that accepts text/html and is not an API
 * path) gets index.html, and the app routes in the browser. Returns null when web/dist is not built.
 */
export async function registerWeb(app: FastifyInstance, root: string = WEB_DIST): Promise<WebHandler | null> {
  if (!existsSync(resolve(root, 'index.html'))) return null;
  await app.register(fastifyStatic, { root, serve: false });
  return (request, reply) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return false;
    const path = request.url.split('?')[0] ?? '/';
    if (API_PATH.test(path)) return false;
    let decoded: string;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      return false;
    }
    const file = resolve(root, `.${decoded}`);
    if (decoded !== '/' && file.startsWith(root.endsWith(sep) ? root : root + sep) && isFile(file)) {
      const relative = file.slice(resolve(root).length + 1);
      reply.code(200);
      // Built assets carry a content hash in their name; everything else must be revalidated.
      const immutable = relative.startsWith(`assets${sep}`);
      reply.sendFile(relative, { maxAge: immutable ? '365d' : 0, immutable, cacheControl: true });
      return true;
    }
    if (!String(request.headers.accept ?? '').includes('text/html')) return false;
    reply.code(200).header('cache-control', 'no-cache');
    reply.sendFile('index.html', { cacheControl: false });
    return true;
  };
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
