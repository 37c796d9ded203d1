import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { type Config, loadConfig } from '../../src/config';
import { createLogger, type Logger } from '../../src/kernel/logger';
import type { Mail, Mailer } from '../../src/kernel/mailer';
import { createSystem, type System } from '../../src/main';
import type { RouteTypeDefinition } from '../../src/modules/dispatch';
import { openStorage } from '../../src/storage/database';
import { FakeClock } from './fake-clock';
import { type DialectName, openTestStorage, type TestStorage, type TestStorageOptions } from './storage';

/** Captures e-mails instead of sending them. */
export class MailBox implements Mailer {
  readonly sent: Mail[] = [];
  async send(mail: Mail) {
    this.sent.push(mail);
  }
  /** The token in the last link mailed to `to`. */
  lastToken(to: string): string {
    const mail = [...this.sent].reverse().find((m) => m.to === to);
    const match = mail && /token=([A-Za-z0-9_-]+)/.exec(mail.text);
    if (!match) throw new Error(`no token mailed to ${to}`);
    return match[1]!;
  }
}

/** The mailbox of each test app, so that `signup(app)` can open the verification link it was sent. */
const mailboxes = new WeakMap<FastifyInstance, MailBox>();

/** Registers the mailbox an app sends its e-mails to (startTestSystem does it; other set-ups may too). */
export function registerMailBox(app: FastifyInstance, mail: MailBox): void {
  mailboxes.set(app, mail);
}

export interface TestSystem {
  system: System;
  app: FastifyInstance;
  clock: FakeClock;
  mail: MailBox;
  config: Readonly<Config>;
  close(): Promise<void>;
}

/**
 * The secrets key of the test systems: every system and process a test starts on one database must seal
 * with the same key (each has a DATA_DIR of its own, where a key file would differ).
 */
export const TEST_SECRETS_KEY = 'a1'.repeat(32);

/** The whole program on a throw-away database with a fake clock, a mailbox and a silent logger. */
export async function startTestSystem(
  dialect: DialectName,
  env: Record<string, string> = {},
  options: {
    storage?: TestStorageOptions;
    /** The route-type registry to run with (a test adds a throw-away type); the program's by default. */
    routeTypes?: readonly RouteTypeDefinition[];
    /** A logger to read what the program logs (silent by default). */
    logger?: Logger;
  } = {},
): Promise<TestSystem> {
  const dataDir = mkdtempSync(join(tmpdir(), 'smsgate-data-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    SECRETS_KEY: TEST_SECRETS_KEY,
    // Hundreds of systems per run: none keeps metrics unless its test asks (METRICS: 'true').
    METRICS: 'false',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_MAX: '0',
    // Tests sign up many accounts from 127.0.0.1; the per-IP limit has its own test.
    SIGNUP_PER_IP_PER_HOUR: '0',
    ...env,
  });
  const test = await openTestStorage(dialect, options.storage);
  const clock = new FakeClock();
  const mail = new MailBox();
  const system = await createSystem(config, {
    clock,
    mailer: mail,
    storage: test.storage,
    logger: options.logger ?? createLogger({ level: 'silent' }),
    ...(options.routeTypes ? { routeTypes: options.routeTypes } : {}),
  });
  const app = await system.http();
  await app.ready();
  registerMailBox(app, mail);
  return {
    system,
    app,
    clock,
    mail,
    config,
    async close() {
      await app.close();
      await test.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A signed-in client: its cookie and CSRF token, ready to add to requests. */
export interface Session {
  cookie: string;
  csrf: string;
  accountId: string;
  userId: string;
  email: string;
  headers: Record<string, string>;
}

let counter = 0;
export const PASSWORD = 'correct-horse-battery-7';

export function uniqueEmail(prefix = 'user'): string {
  counter++;
  return `${prefix}${counter}-${process.pid}@example.com`;
}

export function cookieFrom(response: LightMyRequestResponse, name: string): string {
  const cookie = response.cookies.find((c) => c.name === name);
  if (!cookie) throw new Error(`no ${name} cookie in ${response.statusCode} ${response.body}`);
  return `${name}=${cookie.value}`;
}

/**
 * Signs up a new account and, unless `verified: false`, confirms the owner's e-mail through the mailed
 * link (free credits cannot be spent before that), as a real user would.
 */
export async function signup(
  app: FastifyInstance,
  overrides: Partial<{
    company: string;
    email: string;
    password: string;
    verified: boolean;
    defaultCountry: string;
  }> = {},
): Promise<Session> {
  const email = overrides.email ?? uniqueEmail();
  const response = await app.inject({
    method: 'POST',
    url: '/v1/signup',
    payload: {
      company: overrides.company ?? 'Acme',
      name: 'Ada',
      email,
      password: overrides.password ?? PASSWORD,
      acceptPolicy: true,
      ...(overrides.defaultCountry ? { defaultCountry: overrides.defaultCountry } : {}),
    },
  });
  if (response.statusCode !== 201) throw new Error(`signup failed: ${response.statusCode} ${response.body}`);
  const body = response.json();
  const cookie = cookieFrom(response, 'sg_session');
  const mailbox = mailboxes.get(app);
  if (overrides.verified !== false && mailbox) await verifyEmail(app, mailbox, email);
  return {
    cookie,
    csrf: body.csrfToken,
    accountId: body.account.id,
    userId: body.user.id,
    email,
    headers: { cookie, 'x-csrf-token': body.csrfToken },
  };
}

/** Opens the last verification link mailed to `email`. */
export async function verifyEmail(app: FastifyInstance, mail: MailBox, email: string): Promise<void> {
  const response = await app.inject({
    method: 'POST',
    url: '/v1/auth/verify-email',
    payload: { token: mail.lastToken(email) },
  });
  if (response.statusCode !== 204)
    throw new Error(`e-mail verification failed: ${response.statusCode} ${response.body}`);
}

export async function createApiKey(
  app: FastifyInstance,
  session: Session,
  scopes?: string[],
): Promise<{ id: string; key: string; headers: Record<string, string> }> {
  const response = await app.inject({
    method: 'POST',
    url: '/v1/api-keys',
    headers: session.headers,
    payload: { name: 'test key', ...(scopes ? { scopes } : {}) },
  });
  if (response.statusCode !== 201) throw new Error(`key failed: ${response.statusCode} ${response.body}`);
  const body = response.json();
  return { id: body.id, key: body.key, headers: { authorization: `Bearer ${body.key}` } };
}

/** Creates a staff user directly and signs it in. */
export async function staffSession(
  ts: Pick<TestSystem, 'system' | 'app'>,
  role: 'superadmin' | 'operator' | 'support' | 'auditor' = 'superadmin',
): Promise<Session> {
  const email = uniqueEmail('staff');
  const staff = await ts.system.services.staff.create(null, { email, password: PASSWORD, role });
  const response = await ts.app.inject({
    method: 'POST',
    url: '/v1/admin/auth/login',
    payload: { email, password: PASSWORD },
  });
  if (response.statusCode !== 200)
    throw new Error(`staff login failed: ${response.statusCode} ${response.body}`);
  const cookie = cookieFrom(response, 'sg_staff_session');
  const csrf = response.json().csrfToken;
  return { cookie, csrf, accountId: '', userId: staff.id, email, headers: { cookie, 'x-csrf-token': csrf } };
}

/** Invites a member with a role, sets their password through the invitation link and signs them in. */
export async function addMember(
  ts: TestSystem,
  owner: Session,
  role: 'owner' | 'admin' | 'developer' | 'sender' | 'viewer',
): Promise<Session> {
  const email = uniqueEmail(role);
  const invite = await ts.app.inject({
    method: 'POST',
    url: '/v1/users',
    headers: owner.headers,
    payload: { email, name: `${role} member`, role },
  });
  if (invite.statusCode !== 201) throw new Error(`invite failed: ${invite.statusCode} ${invite.body}`);
  const confirm = await ts.app.inject({
    method: 'POST',
    url: '/v1/auth/password-reset/confirm',
    payload: { token: ts.mail.lastToken(email), password: PASSWORD },
  });
  if (confirm.statusCode >= 300) throw new Error(`invite link failed: ${confirm.statusCode} ${confirm.body}`);
  const login = await ts.app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    payload: { email, password: PASSWORD },
  });
  if (login.statusCode !== 200) throw new Error(`member login failed: ${login.statusCode} ${login.body}`);
  const cookie = cookieFrom(login, 'sg_session');
  const csrf = login.json().csrfToken;
  return {
    cookie,
    csrf,
    accountId: owner.accountId,
    userId: invite.json().id,
    email,
    headers: { cookie, 'x-csrf-token': csrf },
  };
}

/**
 * One more process of a deployment on a test's database, on the real clock: `own` uses the test's own
 * storage (closed by the test), otherwise a connection of its own, as a second process has. `close`
 * stops it (and leaves the test's storage open).
 */
export async function startProcessOn(
  test: TestStorage,
  options: {
    own: boolean;
    mail: MailBox;
    env?: Record<string, string>;
    dispatch?: { leaseMs?: number; heartbeatMs?: number };
    /** `api`: a server without workers, which opens no carrier connection. */
    role?: string;
  },
): Promise<{ system: System; close(): Promise<void> }> {
  const storage = options.own
    ? test.storage
    : openStorage(test.url, test.pgSchema ? { pgSchema: test.pgSchema, pgPoolSize: 5 } : {});
  const dataDir = mkdtempSync(join(tmpdir(), 'smsgate-process-'));
  const system = await createSystem(
    loadConfig({
      DATA_DIR: dataDir,
      SECRETS_KEY: TEST_SECRETS_KEY,
      METRICS: 'false',
      LOG_LEVEL: 'silent',
      RATE_LIMIT_MAX: '0',
      ...options.env,
    }),
    {
      storage,
      mailer: options.mail,
      logger: createLogger({ level: 'silent' }),
      ...(options.dispatch ? { dispatch: options.dispatch } : {}),
      ...(options.role ? { role: options.role } : {}),
    },
  );
  return {
    system,
    async close() {
      if (options.own) {
        await (await system.http()).close();
        await system.services.registry.stop();
      } else await system.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
