import fc from 'fast-check';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bodyFor,
  hostileString,
  type JsonSchema,
  MALFORMED_JSON,
  validish,
} from '../helpers/fuzz-arbitraries';
import { DIALECTS } from '../helpers/storage';
import { type Session, signup, staffSession, startTestSystem, type TestSystem } from '../helpers/system';
import { snapshotAccount } from '../helpers/tenant-snapshot';
import {
  type Headers,
  isTwilioCompatibleRoute,
  login,
  type ResourceKind,
  seedTenant,
  type Tenant,
  tinyPng,
} from '../helpers/tenants';

/*
 * The fuzz suite: bounded, seeded property runs over every route. Bodies come from the OpenAPI document
 * (itself written from the zod route schemas): mostly-valid values to reach the handlers, and values
 * broken one way at a time; then malformed JSON, wrong content types, multipart garbage, odd headers,
 * odd path parameters and query strings. Whatever is sent, the server must answer below 500, every
 * 4xx must be problem+json with a `code`, and another tenant's rows must not change.
 *
 * CI runs a fixed seed. `npm run fuzz` runs longer with a random seed, printed so a failure replays
 * with `FUZZ_SEED=<seed> FUZZ_RUNS=<runs> npx vitest run test/security/fuzz.test.ts`.
 */

const DEFAULT_SEED = 20_261_207;
const rawSeed = process.env.FUZZ_SEED;
const SEED =
  rawSeed === 'random' ? Math.floor(Math.random() * 2 ** 31) : rawSeed ? Number(rawSeed) : DEFAULT_SEED;
/** Runs per property; the body property shares them out over the routes (at least a few each). */
const RUNS = Number(process.env.FUZZ_RUNS || 150);
console.info(`fuzz: FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}`);

/** Generous: a long run is many requests; the CI defaults finish in well under a minute. */
const TIMEOUT = 60_000 + RUNS * 400;

/** Upload routes: their bodies are multipart, not JSON. */
const MULTIPART = new Set([
  'POST /v1/contacts/:id/avatar',
  'POST /v1/attachments',
  'POST /v1/imports',
  'POST /v1/imports/preview',
]);

/**
 * 5xx answers whose cause is being fixed under another finding of the security review: recorded and
 * printed, not failed on. Remove an entry once its finding is fixed; the suite then holds it fixed.
 */
const KNOWN_ISSUES: Array<{ finding: string; applies: (route: string, kind: string) => boolean }> = [];

type RouteRow = TestSystem['app']['routeTable'][number];
type Op = { requestBody?: { content?: Record<string, { schema?: JsonSchema }> }; parameters?: Param[] };
type Param = { in: string; name: string; schema?: JsonSchema; required?: boolean };

const MISSING = 'zzz_missing0000000000000000';
const keyOf = (r: { method: string; url: string }) => `${r.method} ${r.url}`;
const short = (s: string) => (s.length > 300 ? `${s.slice(0, 300)}…` : s);

/** What a path parameter names, by the path up to it (as in the authorization suite). */
function paramKind(prefix: string): ResourceKind | 'staffAccount' | 'subProcessor' | undefined {
  const table: Record<string, ResourceKind | 'staffAccount' | 'subProcessor'> = {
    '/v1/attachments/:id': 'attachment',
    '/v1/campaigns/:id': 'campaign',
    '/v1/contacts/:id': 'contact',
    '/v1/groups/:id': 'group',
    '/v1/imports/:id': 'import',
    '/v1/inbound/:id': 'inbound',
    '/v1/messages/:id': 'message',
    '/v1/notices/:id': 'notice',
    '/v1/privacy/requests/:id': 'privacyRequest',
    '/v1/templates/:id': 'template',
    '/v1/users/:id': 'user',
    '/v1/webhooks/:id': 'webhook',
    '/v1/webhooks/:id/deliveries/:deliveryId': 'delivery',
    '/v1/sub-processors/:id': 'subProcessor',
    '/v1/admin/sub-processors/:id': 'subProcessor',
    '/v1/admin/accounts/:id': 'staffAccount',
  };
  return table[prefix];
}

const paramsOf = (url: string) =>
  [...url.matchAll(/:([A-Za-z]+)/g)].map((m) => ({
    name: m[1]!,
    prefix: url.slice(0, m.index! + m[0].length),
  }));

/** Percent-encodes any string, lone surrogates included (sent as the UTF-8 of U+FFFD, as a browser would). */
function pct(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
  }
}

/** Header values must be bytes: hostile text is sent as its UTF-8 bytes read as Latin-1, minus CR/LF/NUL. */
const headerSafe = (s: string) =>
  Buffer.from(s, 'utf8')
    .toString('latin1')
    .replace(/[\r\n\0]/g, '');

describe.each(DIALECTS)('fuzz suite on %s', (dialect) => {
  let ts: TestSystem;
  let routes: RouteRow[];
  let ops: Map<string, Op>;
  let staff: Session;
  let a: Tenant;
  let b: Tenant;
  /** An account the staff routes may act on (suspend, close, credit) without touching A or B. */
  let c: Session;
  let subProcessor: string;
  let png: Buffer;
  let bBefore: Record<string, string[]>;
  /** A's credentials; the session is renewed when a fuzzed request signs it out. */
  const cred: { session: Headers; key: Headers } = { session: {}, key: {} };
  /** Answers by status class, printed at the end: a run that never gets past validation tests little. */
  const statuses = new Map<string, number>();
  /** Known-issue hits: `finding route` → how many 5xx answers, to which kinds of request. */
  const recorded = new Map<string, { count: number; kinds: Set<string> }>();

  beforeAll(async () => {
    ts = await startTestSystem(dialect, { WEBHOOK_ALLOW_PRIVATE: 'true' });
    routes = ts.app.routeTable.filter((r) => r.url !== '*' && !isTwilioCompatibleRoute(r.url));
    const openapi = (await ts.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, Op>>;
    };
    ops = new Map();
    for (const route of routes) {
      const op = openapi.paths[route.url.replace(/:([A-Za-z]+)/g, '{$1}')]?.[route.method.toLowerCase()];
      if (op) ops.set(keyOf(route), op);
    }
    png = await tinyPng();
    staff = await staffSession(ts, 'superadmin');
    const seededA = await seedTenant(ts, staff, 'Alpha');
    const seededB = await seedTenant(ts, staff, 'Bravo');
    c = await signup(ts.app, { company: 'Charlie' });
    const sp = await ts.app.inject({
      method: 'POST',
      url: '/v1/admin/sub-processors',
      headers: staff.headers,
      payload: { name: 'Fuzz Cloud', purpose: 'hosting', location: 'EU' },
    });
    subProcessor = sp.json().id;
    const noticeOf = async (t: typeof seededA) =>
      (await ts.app.inject({ method: 'GET', url: '/v1/notices', headers: t.owner.headers })).json().data[0]
        .id;
    a = { ...seededA, ids: { ...seededA.ids, notice: await noticeOf(seededA) } };
    b = { ...seededB, ids: { ...seededB.ids, notice: await noticeOf(seededB) } };
    cred.session = a.owner.headers;
    cred.key = a.ownerKey.headers;
    bBefore = await snapshotAccount(ts, dialect, b.owner.accountId);
  });
  afterAll(async () => {
    console.info(`fuzz answers on ${dialect}: ${[...statuses].map(([k, n]) => `${k}=${n}`).join(', ')}`);
    if (recorded.size > 0) {
      const lines = [...recorded].map(([k, v]) => `${k}: ${v.count} × 5xx (${[...v.kinds].join(', ')})`);
      console.warn(`fuzz: known issues hit (not failed):\n${lines.join('\n')}`);
    }
    await ts?.close();
  });

  async function withNotice(t: Awaited<ReturnType<typeof seedTenant>>): Promise<Tenant> {
    const r = await ts.app.inject({ method: 'GET', url: '/v1/notices', headers: t.owner.headers });
    return { ...t, ids: { ...t.ids, notice: r.json().data[0]?.id ?? MISSING } };
  }

  /**
   * A fresh tenant A for the next property: the last one deleted, closed or emptied what it could,
   * and a request naming deleted things only ever reaches a 404.
   */
  async function renewA() {
    a = await withNotice(await seedTenant(ts, staff, 'Alpha'));
    cred.session = a.owner.headers;
    cred.key = a.ownerKey.headers;
  }

  /** The credential a route needs. */
  function headersFor(route: RouteRow, useKey: boolean): Headers {
    if (route.auth === 'staff') return staff.headers;
    if (route.auth === 'client') return useKey ? cred.key : cred.session;
    return {};
  }

  /** A's own thing for a path parameter (C for staff account routes), when there is one. */
  function ownValue(prefix: string): string {
    const kind = paramKind(prefix);
    if (kind === 'subProcessor') return subProcessor;
    if (kind === 'staffAccount') return c.accountId;
    return kind ? a.ids[kind] : MISSING;
  }

  /** Ids for fields that name things: mostly A's own, some of B's (which must be refused), one missing. */
  const hints = () => ({
    ids: [
      ...Object.values(a.ids),
      ...Object.values(a.ids),
      b.ids.contact,
      b.ids.group,
      b.ids.template,
      MISSING,
    ],
  });
  /** Staff fields name accounts too: C's (which staff may act on) rather than A's or B's. */
  const staffHints = () => ({ ids: [c.accountId, subProcessor, MISSING] });

  /** Path parameter values: A's own, missing, or hostile. */
  const pathValue = (prefix: string): fc.Arbitrary<string> =>
    fc.oneof(
      { weight: 3, arbitrary: fc.constant(ownValue(prefix)) },
      { weight: 1, arbitrary: fc.constant(MISSING) },
      { weight: 1, arbitrary: fc.constant(b.ids.contact) },
      { weight: 3, arbitrary: hostileString().map((s) => pct(s) || '%20') },
      {
        weight: 1,
        arbitrary: fc.constantFrom('%ZZ', '%00', '..', '%2e%2e', '%2F', '%C0%AE', 'x'.repeat(5000)),
      },
    );

  function fillPath(route: RouteRow, values: Record<string, string>) {
    return route.url.replace(/:([A-Za-z]+)/g, (_m, name: string) => values[name] ?? MISSING);
  }

  /** Undoes what a fuzzed request may do to the fuzzer's own footing (signing out, closing the account). */
  async function repair(route: string, response: LightMyRequestResponse) {
    if (response.statusCode >= 400) return;
    if (route === 'POST /v1/auth/logout') cred.session = (await login(ts, a.owner.email)).headers;
    if (route === 'POST /v1/account/close') {
      await ts.app.inject({ method: 'POST', url: '/v1/account/restore', headers: cred.key, payload: {} });
    }
    if (route === 'POST /v1/admin/auth/logout') staff = await staffSession(ts, 'superadmin');
  }

  /** Sends one request and checks the promises every answer keeps. */
  async function send(
    route: RouteRow,
    kind: string,
    request: InjectOptions,
  ): Promise<LightMyRequestResponse> {
    const response = await ts.app.inject(request);
    const bucket = `${kind.split(':')[0]} ${Math.floor(response.statusCode / 100)}xx`;
    statuses.set(bucket, (statuses.get(bucket) ?? 0) + 1);
    const key = keyOf(route);
    await repair(key, response);
    const what = `${kind} ${request.method} ${String(request.url).slice(0, 200)}`;
    if (response.statusCode >= 500) {
      const known = KNOWN_ISSUES.find((k) => k.applies(key, kind));
      if (known) {
        const id = `${known.finding} ${key}`;
        const seen = recorded.get(id) ?? { count: 0, kinds: new Set<string>() };
        seen.count++;
        seen.kinds.add(kind);
        recorded.set(id, seen);
        return response;
      }
      throw new Error(`${what} answered ${response.statusCode}: ${short(response.body)}`);
    }
    if (response.statusCode >= 400) {
      expect(response.headers['content-type'], `${what}: ${short(response.body)}`).toMatch(
        /^application\/problem\+json/,
      );
      const body = response.json();
      expect(typeof body.code, `${what}: ${short(response.body)}`).toBe('string');
    }
    return response;
  }

  const assertOpts = (offset: number, numRuns: number) => ({
    seed: SEED + offset,
    numRuns,
    endOnFailure: true,
  });

  /**
   * fc.assert, with the failure report cut to a readable size (hostile values can be megabytes); the
   * seed and path it prints replay the case.
   */
  async function check<T>(property: fc.IAsyncProperty<T>, options: ReturnType<typeof assertOpts>) {
    const details = await fc.check(property, options);
    if (!details.failed) return;
    const error = details.errorInstance;
    const cause = error instanceof Error ? error.message : String(error);
    throw new Error(
      `fuzz failure (replay: FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}; property seed ${details.seed}, path ${details.counterexamplePath})\n${short(cause)}\ncounterexample: ${short(fc.stringify(details.counterexample))}`,
    );
  }

  const clientSide = () => routes.filter((r) => r.auth !== 'staff');

  it(
    "every client and public route's JSON body: valid-ish, wrong types, hostile values, missing and extra fields",
    async () => {
      // Deleting comes last, so the routes before it act on things that still exist.
      const list = clientSide()
        .filter((r) => r.method !== 'GET' && !MULTIPART.has(keyOf(r)))
        .sort((x, y) => Number(x.method === 'DELETE') - Number(y.method === 'DELETE'));
      const perRoute = Math.max(3, Math.ceil((RUNS * 4) / list.length));
      for (const [i, route] of list.entries()) {
        const schema = ops.get(keyOf(route))?.requestBody?.content?.['application/json']?.schema;
        const params = paramsOf(route.url);
        const arb = fc.record({
          body: bodyFor(schema, hints()),
          useKey: fc.boolean(),
          path: fc.tuple(
            ...params.map((p) => fc.oneof(fc.constant(ownValue(p.prefix)), fc.constant(MISSING))),
          ),
        });
        await check(
          fc.asyncProperty(arb, async ({ body, useKey, path }) => {
            const values = Object.fromEntries(params.map((p, j) => [p.name, path[j]!]));
            await send(route, 'body', {
              method: route.method as 'POST',
              url: fillPath(route, values),
              headers: { ...headersFor(route, useKey), 'content-type': 'application/json' },
              payload: JSON.stringify(body) ?? 'null',
            });
          }),
          assertOpts(i, perRoute),
        );
      }
    },
    TIMEOUT * 2,
  );

  /** Query strings from the route's declared parameters: valid-ish, hostile, repeated, unknown. */
  function queryFor(route: RouteRow): fc.Arbitrary<string> {
    const declared = (ops.get(keyOf(route))?.parameters ?? []).filter((p) => p.in === 'query');
    const declaredPair = (list: Param[]) =>
      fc.constantFrom(...list).chain((p) =>
        fc.oneof(
          validish(p.schema, hints()).map(
            (v) => [p.name, typeof v === 'string' ? v : JSON.stringify(v)] as const,
          ),
          hostileString().map((h) => [p.name, h] as const),
        ),
      );
    const pair = fc.oneof(
      ...(declared.length > 0 ? [declaredPair(declared), declaredPair(declared)] : []),
      fc.tuple(hostileString(), hostileString()),
      fc.constant(['limit', '1e400'] as const),
      fc.constant(['cursor', 'x'.repeat(5000)] as const),
      fc.constant(['a[b][c]', '1'] as const),
    );
    return fc
      .array(pair, { maxLength: 5 })
      .map((pairs) => pairs.map(([k, v]) => `${pct(String(k))}=${pct(String(v))}`).join('&'));
  }

  it(
    'odd path parameters and query strings on every client and public route',
    async () => {
      await renewA();
      const list = clientSide();
      const arb = fc.constantFrom(...list).chain((route) =>
        fc.record({
          route: fc.constant(route),
          path: fc.tuple(...paramsOf(route.url).map((p) => pathValue(p.prefix))),
          query: queryFor(route),
          useKey: fc.boolean(),
        }),
      );
      await check(
        fc.asyncProperty(arb, async ({ route, path, query, useKey }) => {
          const values = Object.fromEntries(paramsOf(route.url).map((p, j) => [p.name, path[j]!]));
          const hasBody = route.method !== 'GET' && route.method !== 'DELETE';
          await send(route, 'path+query', {
            method: route.method as 'GET',
            url: `${fillPath(route, values)}${query ? `?${query}` : ''}`,
            headers: headersFor(route, useKey),
            ...(hasBody ? { payload: {} } : {}),
          });
        }),
        assertOpts(1000, RUNS),
      );
    },
    TIMEOUT,
  );

  it(
    'malformed JSON and wrong content types on every route that takes a body',
    async () => {
      await renewA();
      const list = clientSide().filter((r) => r.method !== 'GET');
      const contentTypes = [
        'application/json',
        'application/json; charset=utf-16',
        'application/json; charset=latin1',
        'text/plain',
        'application/xml',
        'application/x-www-form-urlencoded',
        'multipart/form-data',
        'multipart/form-data; boundary=',
        'application/vnd.api+json',
        'application/json, text/plain',
        ';;;',
        'a'.repeat(2000),
      ];
      const arb = fc.record({
        route: fc.constantFrom(...list),
        body: fc.oneof(fc.constantFrom(...MALFORMED_JSON), fc.string({ unit: 'binary', maxLength: 200 })),
        contentType: fc.constantFrom(...contentTypes),
        useKey: fc.boolean(),
      });
      await check(
        fc.asyncProperty(arb, async ({ route, body, contentType, useKey }) => {
          await send(route, 'raw-body', {
            method: route.method as 'POST',
            url: fillPath(route, {}),
            headers: { ...headersFor(route, useKey), 'content-type': contentType },
            payload: body,
          });
        }),
        assertOpts(2000, RUNS),
      );
    },
    TIMEOUT,
  );

  /** A multipart body with something wrong in its framing, headers or contents. */
  const multipartGarbage = () =>
    fc
      .record({
        boundary: fc.oneof(
          fc.constant('fuzzboundary'),
          fc.string({ minLength: 1, maxLength: 80 }),
          fc.constant('x'.repeat(200)),
        ),
        declared: fc.oneof(fc.constant('same'), fc.constant('other'), fc.constant('none')),
        fieldName: fc.oneof(fc.constant('file'), hostileString().map(headerSafe)),
        fileName: fc.oneof(
          fc.constantFrom('a.csv', 'a.png', 'a.pdf', '../../x', 'a\u0000.csv', ''),
          hostileString().map(headerSafe),
        ),
        partType: fc.constantFrom(
          'text/csv',
          'image/png',
          'application/pdf',
          '',
          'a/b; c=d',
          'application/octet-stream',
        ),
        content: fc.oneof(
          fc.uint8Array({ maxLength: 512 }).map((u) => Buffer.from(u)),
          fc.constant(Buffer.from('phone\n+37120000000\n')),
          fc.constant(Buffer.from('PK\u0003\u0004garbage')),
          fc.constant(png),
          fc.constant(Buffer.alloc(0)),
        ),
        shape: fc.constantFrom(
          'ok',
          'no-closing',
          'no-headers',
          'field-only',
          'two-files',
          'no-disposition',
          'garbage',
          'empty',
          'many-fields',
          'lf-only',
        ),
      })
      .map(({ boundary, declared, fieldName, fileName, partType, content, shape }) => {
        const sent = declared === 'other' ? `${boundary}x` : boundary;
        const ct =
          declared === 'none'
            ? 'multipart/form-data'
            : `multipart/form-data; boundary=${headerSafe(sent).replace(/[;"]/g, '')}`;
        const head = `--${boundary}\r\ncontent-disposition: form-data; name="${fieldName}"; filename="${fileName}"\r\ncontent-type: ${partType}\r\n\r\n`;
        const end = `\r\n--${boundary}--\r\n`;
        let payload: Buffer;
        switch (shape) {
          case 'no-closing':
            payload = Buffer.concat([Buffer.from(head), content]);
            break;
          case 'no-headers':
            payload = Buffer.concat([Buffer.from(`--${boundary}\r\n\r\n`), content, Buffer.from(end)]);
            break;
          case 'field-only':
            payload = Buffer.from(
              `--${boundary}\r\ncontent-disposition: form-data; name="file"\r\n\r\nvalue${end}`,
            );
            break;
          case 'two-files':
            payload = Buffer.concat([
              Buffer.from(head),
              content,
              Buffer.from(`\r\n${head}`),
              content,
              Buffer.from(end),
            ]);
            break;
          case 'no-disposition':
            payload = Buffer.concat([
              Buffer.from(`--${boundary}\r\ncontent-type: text/csv\r\n\r\n`),
              content,
              Buffer.from(end),
            ]);
            break;
          case 'garbage':
            payload = content;
            break;
          case 'empty':
            payload = Buffer.alloc(0);
            break;
          case 'many-fields':
            payload = Buffer.from(
              `${Array.from({ length: 200 }, (_, i) => `--${boundary}\r\ncontent-disposition: form-data; name="f${i}"\r\n\r\n${i}\r\n`).join('')}--${boundary}--\r\n`,
            );
            break;
          case 'lf-only':
            payload = Buffer.from(
              `--${boundary}\ncontent-disposition: form-data; name="file"; filename="a.csv"\n\nphone\n+37120000000\n--${boundary}--\n`,
            );
            break;
          default:
            payload = Buffer.concat([Buffer.from(head), content, Buffer.from(end)]);
        }
        return { payload, contentType: ct, shape };
      });

  it(
    'multipart garbage on every upload route',
    async () => {
      await renewA();
      const list = routes.filter((r) => MULTIPART.has(keyOf(r)));
      expect(list.map(keyOf).sort()).toEqual([...MULTIPART].sort());
      const arb = fc.record({
        route: fc.constantFrom(...list),
        body: multipartGarbage(),
        useKey: fc.boolean(),
      });
      await check(
        fc.asyncProperty(arb, async ({ route, body, useKey }) => {
          await send(route, `multipart:${body.shape}`, {
            method: 'POST',
            url: fillPath(route, { id: a.ids.contact }),
            headers: { ...headersFor(route, useKey), 'content-type': body.contentType },
            payload: body.payload,
          });
        }),
        assertOpts(3000, RUNS),
      );
    },
    TIMEOUT,
  );

  it(
    'odd headers: Authorization, cookies, CSRF, Idempotency-Key, request ids, forwarding, Accept',
    async () => {
      await renewA();
      const list = clientSide();
      const weird = hostileString().map(headerSafe);
      const header = fc.oneof(
        fc.record({
          authorization: fc.oneof(
            weird.map((s) => `Bearer ${s}`),
            fc.constantFrom(
              'Bearer',
              'Bearer ',
              `Bearer ${'x'.repeat(8000)}`,
              'Basic dXNlcjpwYXNz',
              'bearer  a  b',
              `Bearer sg_live_${'A'.repeat(40)}`,
              `Bearer sg_staff_${'A'.repeat(40)}`,
            ),
            weird,
          ),
        }),
        fc.record({
          cookie: fc.oneof(
            weird.map((s) => `sg_session=${s}`),
            fc.constantFrom(
              'sg_session=%ZZ',
              'sg_session=a; sg_session=b',
              `sg_session=${'x'.repeat(8000)}`,
              '=;;;=',
              'sg_staff_session=x',
              'sg_session',
            ),
          ),
        }),
        fc.record({ 'x-csrf-token': weird }),
        fc.record({
          'idempotency-key': fc.oneof(weird, fc.constantFrom('', ' ', 'x'.repeat(10_000), 'same-key')),
        }),
        fc.record({ 'x-request-id': fc.oneof(weird, fc.constant('x'.repeat(10_000))) }),
        fc.record({
          'x-forwarded-for': fc.oneof(
            weird,
            fc.constantFrom('1.1.1.1, 2.2.2.2', '::ffff:999.1.1.1', 'unknown'),
          ),
        }),
        fc.record({ accept: fc.oneof(weird, fc.constantFrom('*/*;q=abc', 'text/html', 'application/xml')) }),
        fc.record({ 'accept-language': weird, 'user-agent': weird }),
      );
      const arb = fc.record({
        route: fc.constantFrom(...list),
        extra: header,
        useKey: fc.boolean(),
        body: fc.jsonValue({ maxDepth: 2 }),
      });
      await check(
        fc.asyncProperty(arb, async ({ route, extra, useKey, body }) => {
          const hasBody = route.method !== 'GET' && !MULTIPART.has(keyOf(route));
          await send(route, 'headers', {
            method: route.method as 'GET',
            url: fillPath(
              route,
              Object.fromEntries(paramsOf(route.url).map((p) => [p.name, ownValue(p.prefix)])),
            ),
            headers: {
              ...headersFor(route, useKey),
              ...(hasBody ? { 'content-type': 'application/json' } : {}),
              ...(extra as Record<string, string>),
            },
            ...(hasBody ? { payload: JSON.stringify(body) ?? 'null' } : {}),
          });
        }),
        assertOpts(4000, RUNS),
      );
    },
    TIMEOUT,
  );

  it(
    'the same valid-ish request several times at once: a check and its insert can race',
    async () => {
      await renewA();
      const list = clientSide().filter((r) => r.method !== 'GET' && !MULTIPART.has(keyOf(r)));
      const arb = fc.constantFrom(...list).chain((route) =>
        fc.record({
          route: fc.constant(route),
          body: validish(ops.get(keyOf(route))?.requestBody?.content?.['application/json']?.schema, hints()),
          copies: fc.integer({ min: 2, max: 6 }),
          useKey: fc.boolean(),
        }),
      );
      await check(
        fc.asyncProperty(arb, async ({ route, body, copies, useKey }) => {
          const values = Object.fromEntries(paramsOf(route.url).map((p) => [p.name, ownValue(p.prefix)]));
          const request = {
            method: route.method as 'POST',
            url: fillPath(route, values),
            headers: { ...headersFor(route, useKey), 'content-type': 'application/json' },
            payload: JSON.stringify(body) ?? 'null',
          };
          await Promise.all(Array.from({ length: copies }, () => send(route, 'concurrent', request)));
        }),
        assertOpts(4500, Math.ceil(RUNS / 2)),
      );
    },
    TIMEOUT,
  );

  it("nothing of the other account changed while A's credentials were fuzzed", async () => {
    expect(await snapshotAccount(ts, dialect, b.owner.accountId)).toEqual(bBefore);
  });

  it(
    'every staff route: bodies, path parameters and query strings',
    async () => {
      const list = routes.filter((r) => r.auth === 'staff' && r.url !== '/v1/admin/staff/:id/disable');
      const arb = fc.constantFrom(...list).chain((route) =>
        fc.record({
          route: fc.constant(route),
          body: bodyFor(
            ops.get(keyOf(route))?.requestBody?.content?.['application/json']?.schema,
            staffHints(),
          ),
          path: fc.tuple(...paramsOf(route.url).map((p) => pathValue(p.prefix))),
          query: queryFor(route),
          // Now and then the same request several times at once, for check-then-insert races.
          copies: fc.constantFrom(1, 1, 1, 3),
        }),
      );
      await check(
        fc.asyncProperty(arb, async ({ route, body, path, query, copies }) => {
          const values = Object.fromEntries(paramsOf(route.url).map((p, j) => [p.name, path[j]!]));
          const hasBody = route.method !== 'GET' && route.method !== 'DELETE';
          const request = {
            method: route.method as 'POST',
            url: `${fillPath(route, values)}${query ? `?${query}` : ''}`,
            headers: staff.headers,
            ...(hasBody
              ? {
                  payload: JSON.stringify(body ?? {}),
                  headers: { ...staff.headers, 'content-type': 'application/json' },
                }
              : {}),
          };
          await Promise.all(Array.from({ length: copies }, () => send(route, 'staff', request)));
        }),
        assertOpts(5000, RUNS * 2),
      );
    },
    TIMEOUT * 2,
  );
});
