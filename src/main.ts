import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createLocalFileStore } from './adapters/files/local-file-store';
import { createFileMailer } from './adapters/mail/file-mailer';
import { createSmtpMailer } from './adapters/mail/smtp-mailer';
import { createRouteFactory, validateRouteConfig } from './adapters/route-factory';
import { createSimulatorRoute } from './adapters/simulator/simulator-route';
import type { Config } from './config';
import { buildApp } from './http/app';
import { type Clock, systemClock } from './kernel/clock';
import type { FileStore } from './kernel/file-store';
import { createIdGenerator } from './kernel/ids';
import { createLogger, type Logger } from './kernel/logger';
import type { Mailer } from './kernel/mailer';
import {
  type AccountsDeps,
  createAccountAdmin,
  createAccountSettings,
  createApiKeys,
  createIdentity,
  createStaff,
  createTeam,
} from './modules/accounts';
import { createLedger, createPriceAdmin, createPriceBook, creditsToMicro } from './modules/billing';
import { createAuditLog } from './modules/compliance';
import { createContacts } from './modules/contacts';
import {
  createDispatcher,
  createReportInbox,
  createRouteRegistry,
  createRoutesAdmin,
  type RouteEvents,
} from './modules/dispatch';
import { createInbound } from './modules/inbound';
import {
  type ClientEventSink,
  createMessageReader,
  createOutcomes,
  createPreview,
  createSender,
} from './modules/messaging';
import { createWebhooks } from './modules/webhooks';
import { createDbQueue } from './queue/db-queue';
import { openStorage, type Storage } from './storage/database';
import { createGroupCommit } from './storage/group-commit';
import { type Loop, startLoop } from './workers/loops';

export interface SystemOverrides {
  clock?: Clock;
  logger?: Logger;
  mailer?: Mailer;
  files?: FileStore;
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
  const storage =
    overrides.storage ?? openStorage(config.DATABASE_URL, { sqliteSynchronous: config.SQLITE_SYNCHRONOUS });
  await storage.migrate();
  const db = storage.db;

  const mailer =
    overrides.mailer ??
    (config.SMTP_URL
      ? createSmtpMailer(config.SMTP_URL, config.MAIL_FROM)
      : createFileMailer({ dir: join(config.DATA_DIR, 'mail'), clock, logger, from: config.MAIL_FROM }));
  // Import originals, attachments and avatars: local disk unless a test or deployment gives another store.
  const files = overrides.files ?? createLocalFileStore(join(config.DATA_DIR, 'files'));
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

  // Client events (webhooks) are published by whichever sinks are registered.
  const eventSinks: ClientEventSink[] = [];
  const clientEvents: ClientEventSink = {
    async publish(tx, events) {
      if (events.length === 0) return;
      for (const sink of eventSinks) await sink.publish(tx, events);
    },
  };
  const priceBook = createPriceBook({ clock });
  const queue = createDbQueue({ db, clock, ids, capabilities: storage.capabilities });
  const groupCommit = createGroupCommit(db, { maxBatch: 256 });
  const messages = createMessageReader({ db });
  const outcomes = createOutcomes({ clock, ids, ledger, queue, events: clientEvents });
  const send = createSender({
    db,
    clock,
    ids,
    ledger,
    priceBook,
    queue,
    audit,
    events: clientEvents,
    groupCommit,
  });
  const simulator = createSimulatorRoute({
    id: 'simulator',
    clock,
    settings: {
      deliveryDelayMs: config.SIMULATOR_DELIVERY_DELAY_MS,
      undeliveredRate: config.SIMULATOR_UNDELIVERED_RATE,
      undeliveredPattern: config.SIMULATOR_UNDELIVERED_PATTERN
        ? new RegExp(config.SIMULATOR_UNDELIVERED_PATTERN)
        : null,
      rejectPattern: config.SIMULATOR_REJECT_PATTERN ? new RegExp(config.SIMULATOR_REJECT_PATTERN) : null,
    },
    awaitingReports: (routeId, sentBefore, limit) => messages.awaitingReports(routeId, sentBefore, limit),
  });
  const reports = createReportInbox({ db, outcomes });
  const inbound = createInbound({ db, clock, ids, audit, events: clientEvents });
  const routeFactory = createRouteFactory({
    clock,
    logger,
    awaitingReports: (routeId, sentBefore, limit) => messages.awaitingReports(routeId, sentBefore, limit),
  });
  const routeEvents: RouteEvents = {
    onDeliveryReport: (report) => reports.receive(report),
    onInbound: (sms) => inbound.receive(sms),
  };
  const registry = createRouteRegistry({
    db,
    factory: routeFactory,
    builtins: [simulator],
    defaultRouteId: simulator.id,
    events: routeEvents,
    logger,
  });
  const router = registry.router;
  const dispatcher = createDispatcher({ db, clock, queue, router, outcomes, logger });
  await registry.start();
  const webhooks = createWebhooks({
    db,
    clock,
    ids,
    audit,
    logger,
    capabilities: storage.capabilities,
    settings: { allowPrivate: config.WEBHOOK_ALLOW_PRIVATE },
  });
  eventSinks.push({ publish: async (tx, events) => void (await webhooks.enqueue(tx, events)) });
  const services = {
    db,
    clock,
    ids,
    files,
    audit,
    ledger,
    identity: createIdentity(accountsDeps),
    team: createTeam(accountsDeps),
    apiKeys: createApiKeys(accountsDeps),
    staff: createStaff(accountsDeps),
    accountAdmin: createAccountAdmin(accountsDeps),
    settings,
    webhooks,
    priceBook,
    priceAdmin: createPriceAdmin({ db, audit, priceBook }),
    accountSettings: createAccountSettings({ db, audit }),
    queue,
    send,
    preview: createPreview({ db, priceBook, clock }),
    messages,
    outcomes,
    dispatcher,
    simulator,
    router,
    registry,
    routesAdmin: createRoutesAdmin({ db, clock, ids, audit, registry, validate: validateRouteConfig }),
    reports,
    inbound,
    contacts: createContacts({ db, clock, ids, audit }),
    eventSinks,
  };

  async function pumpSimulators(): Promise<number> {
    let n = await simulator.pump();
    for (const sim of routeFactory.simulators()) n += await sim.pump();
    return n;
  }

  // Receipts that raced their submit answer on a multi-writer database (see rematchWaitingReports).
  const rematchReports = () =>
    db
      .transaction()
      .execute((tx) => outcomes.rematchWaitingReports(tx, { lookBackMs: 2 * 24 * 3600_000, limit: 1000 }));

  /** One pass of every background worker; tests call it with a fake clock instead of running loops. */
  async function workOnce(): Promise<number> {
    let done = 0;
    for (;;) {
      const n =
        (await dispatcher.runOnce()) +
        (await pumpSimulators()) +
        (await webhooks.deliverDue(500)) +
        (await rematchReports());
      done += n;
      if (n === 0) return done;
    }
  }
  const loops: Loop[] = [];

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
    workOnce,
    /** Starts the background workers (dispatch, simulated receipts). */
    startWorkers() {
      loops.push(startLoop('dispatch', () => dispatcher.runOnce(), { idleMs: 20, logger }));
      loops.push(startLoop('simulator-receipts', pumpSimulators, { idleMs: 100, logger }));
      loops.push(startLoop('webhooks', () => webhooks.deliverDue(500), { idleMs: 200, logger }));
      loops.push(
        startLoop(
          'receipt-rematch',
          async () => {
            // Always "nothing left": the sweep runs every idleMs, not back to back.
            await rematchReports();
            return 0;
          },
          { idleMs: 2000, logger },
        ),
      );
    },
    async stop() {
      if (app) await app.close();
      await Promise.all(loops.splice(0).map((l) => l.stop()));
      await registry.stop();
      await storage.close();
    },
  };
}

export type System = Awaited<ReturnType<typeof createSystem>>;
