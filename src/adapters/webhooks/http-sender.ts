import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import {
  hostOf,
  isForbiddenAddress,
  type PostOutcome,
  TIMEOUT_ERROR_PREFIX,
  type WebhookSender,
} from '../../modules/webhooks';
import { AddressRefusedError, guardedLookup } from './dns-guard';

/** Longest response body excerpt kept with an attempt (bytes). */
export const MAX_EXCERPT_BYTES = 1024;
// After this much of a response body the connection is dropped rather than drained for reuse.
const MAX_DRAIN_BYTES = 64 * 1024;

class TimeoutError extends Error {
  constructor(ms: number) {
    super(`${TIMEOUT_ERROR_PREFIX} ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

// Content types whose bodies are never shown as text, whatever their bytes look like.
const BINARY_TYPES =
  /^(image|audio|video|font)\/|^application\/(octet-stream|pdf|zip|gzip|x-protobuf|protobuf|msgpack)/i;

/**
 * The excerpt of a response body as text, or null when the body is binary: a declared binary type, a NUL
 * or another control character (other than tab, line feed, carriage return, form feed and escape), or
 * bytes that are not UTF-8. Such an excerpt would show as mojibake and PostgreSQL text cannot hold NUL.
 * A character cut in half at the end of the excerpt is left out.
 */
export function textExcerpt(bytes: Uint8Array, contentType: string | undefined): string | null {
  if (contentType && BINARY_TYPES.test(contentType.trim())) return null;
  for (const b of bytes) {
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c && b !== 0x1b) return null;
    if (b === 0x7f) return null;
  }
  try {
    // stream: true leaves an incomplete last character undecoded instead of failing on it.
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: true });
  } catch {
    return null;
  }
}

function describe(error: unknown): string {
  if (error instanceof TimeoutError || error instanceof AddressRefusedError) return error.message;
  const e = error as NodeJS.ErrnoException;
  const text = e?.code ? `${e.code}: ${e.message}` : String(e?.message ?? error);
  return text.slice(0, 500);
}

/**
 * POSTs webhook bodies with node:http(s): redirects are never followed, every request has a hard
 * deadline, and (unless private addresses are allowed) the connection is only opened to an address
 * that passes the public-address check at connect time.
 */
export function createSender(options: { allowPrivate: boolean; timeoutMs: number }): WebhookSender {
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: 64, timeout: 60_000 }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: 64, timeout: 60_000 }),
  };

  function once(url: URL, headers: Record<string, string>, body: string, method: 'POST' | 'GET') {
    return new Promise<{
      statusCode: number;
      excerpt: string | null;
      bytes: number;
      binary: boolean;
      reused: boolean;
    }>((resolve, reject) => {
      const secure = url.protocol === 'https:';
      let statusCode: number | null = null;
      let contentType: string | undefined;
      const kept: Buffer[] = [];
      let keptBytes = 0;
      let total = 0;
      let settled = false;
      const finish = (error: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (statusCode !== null) {
          const excerpt = total === 0 ? '' : textExcerpt(Buffer.concat(kept), contentType);
          resolve({
            statusCode,
            excerpt,
            bytes: total,
            binary: excerpt === null,
            reused: request.reusedSocket,
          });
        } else
          reject(Object.assign(error ?? new Error('no response'), { reusedSocket: request.reusedSocket }));
      };
      const request = (secure ? https : http).request(
        {
          protocol: url.protocol,
          hostname: hostOf(url),
          port: url.port || undefined,
          path: `${url.pathname}${url.search}`,
          method,
          headers:
            method === 'GET'
              ? headers
              : Object.assign({}, headers, { 'content-length': String(Buffer.byteLength(body)) }),
          agent: agents[secure ? 'https:' : 'http:'],
          ...(options.allowPrivate ? {} : { lookup: guardedLookup }),
        },
        (response) => {
          statusCode = response.statusCode ?? 0;
          contentType = response.headers['content-type'];
          response.on('data', (chunk: Buffer) => {
            total += chunk.length;
            if (keptBytes < MAX_EXCERPT_BYTES) {
              const part = chunk.subarray(0, MAX_EXCERPT_BYTES - keptBytes);
              keptBytes += part.length;
              kept.push(part);
            }
            if (total > MAX_DRAIN_BYTES) response.destroy();
          });
          response.on('end', () => finish(null));
          response.on('close', () => finish(null));
          response.on('error', () => finish(null));
        },
      );
      const timer = setTimeout(() => request.destroy(new TimeoutError(options.timeoutMs)), options.timeoutMs);
      request.on('error', (error) => finish(error));
      request.end(method === 'GET' ? undefined : body);
    });
  }

  return {
    async post(
      url: URL,
      headers: Record<string, string>,
      body: string,
      method: 'POST' | 'GET' = 'POST',
    ): Promise<PostOutcome> {
      const started = performance.now();
      const took = () => Math.round(performance.now() - started);
      const host = hostOf(url);
      // Literal IPs never reach the lookup hook, so they are checked here.
      if (!options.allowPrivate && isIP(host) && isForbiddenAddress(host)) {
        return {
          statusCode: null,
          error: new AddressRefusedError(host).message,
          durationMs: 0,
          responseExcerpt: null,
          responseBytes: null,
          responseBinary: false,
        };
      }
      for (let attempt = 0; ; attempt++) {
        try {
          const answer = await once(url, headers, body, method);
          return {
            statusCode: answer.statusCode,
            error: null,
            durationMs: took(),
            responseExcerpt: answer.excerpt === '' ? null : answer.excerpt,
            responseBytes: answer.bytes,
            responseBinary: answer.binary,
          };
        } catch (error) {
          // A kept-alive socket the server closed meanwhile: the request never reached it, try a fresh one.
          const e = error as NodeJS.ErrnoException & { reusedSocket?: boolean };
          if (attempt === 0 && e.reusedSocket && (e.code === 'ECONNRESET' || e.code === 'EPIPE')) continue;
          return {
            statusCode: null,
            error: describe(error),
            durationMs: took(),
            responseExcerpt: null,
            responseBytes: null,
            responseBinary: false,
            timedOut: error instanceof TimeoutError,
          };
        }
      }
    },
    /** Closes idle kept-alive connections. */
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}
