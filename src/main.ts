import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createFileMailer } from './adapters/mail/file-mailer';
import { createSmtpMailer } from './adapters/mail/smtp-mailer';
import type { Config } from './config';
import { buildApp } from './http/app';
import { type Clock, systemClock } from './kernel/clock';
import { createIdGenerator } from './kernel/ids';
import { createLogger, type Logger } from './kernel/logger';
import type { Mailer } from './kernel/mailer';
import {
  type AccountsDeps,
  createAccountAdmin,
  createApiKeys,
  createIdentity,
  createStaff,
  createTeam,
} from './modules/accounts';
import { createLedger, creditsToMicro } from './modules/billing';
import { createAuditLog } from './modules/compliance';
import { openStorage, type Storage } from './storage/database';

export interface SystemOverrides {
  clock?: Clock;
  logger?: Logger;
  mailer?: Mailer;
  storage?: Storage;
}

/**
 * The composition root: config → clock, ids, storage, modules → HTTP app and workers. Tests build the
 * same system with a fake clock and a throw-away database.
 */
export async function createSystem(config: Readonly<Config>, overrides: SystemOverrides = {}) {
  const clock = overrides.clock ?? systemClock;
  const logger = overrides.logger ?? createLogger({ level: config.LOG_LEVEL });
  const ids = createIdGenerator(clock);
  const storage = overrides.storage ?? openStorage(config.DATABASE_URL);
  await storage.migrate();
  const db = storage.db;

  const mailer =
    overrides.mailer ??
    (config.SMTP_URL
      ? createSmtpMailer(config.SMTP_URL, config.MAIL_FROM)
      : createFileMailer({ dir: join(config.DATA_DIR, 'mail'), clock, logger, from: config.MAIL_FROM }));
  const audit = createAuditLog({ clock, ids });
  const ledger = createLedger({ clock, ids });
  const settings = {
    freeCreditsMicro: creditsToMicro(config.FREE_CREDITS),
    policyVersion: config.POLICY_VERSION,
    sessionTtlMs: config.SESSION_TTL_HOURS * 3600_000,
    loginMaxFailures: config.LOGIN_MAX_FAILURES,
    publicUrl: config.PUBLIC_URL,
  };
  const accountsDeps: AccountsDeps = { db, clock, ids, audit, ledger, mailer, settings };
  const services = {
    db,
    clock,
    ids,
    audit,
    ledger,
    identity: createIdentity(accountsDeps),
    team: createTeam(accountsDeps),
    apiKeys: createApiKeys(accountsDeps),
    staff: createStaff(accountsDeps),
    accountAdmin: createAccountAdmin(accountsDeps),
    settings,
  };

  let app: FastifyInstance | null = null;
  return {
    config,
    clock,
    logger,
    storage,
    services,
    async http(): Promise<FastifyInstance> {
      app ??= await buildApp(services, {
        logger,
        bodyLimit: config.BODY_LIMIT_BYTES,
        trustProxy: config.TRUST_PROXY,
        rateLimitPerMinute: config.RATE_LIMIT_MAX,
      });
      return app;
    },
    async stop() {
      if (app) await app.close();
      await storage.close();
    },
  };
}

export type System = Awaited<ReturnType<typeof createSystem>>;
