// The composition root: every module, adapter and loop is wired here and nowhere else, so it is long by
// design (one place to read how the program is put together); the logic lives in the modules it wires.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createLocalFileStore } from './adapters/files/local-file-store';
import { avatarImages } from './adapters/images/avatar-images';
import { createImportFileReader } from './adapters/imports';
import { createFileMailer } from './adapters/mail/file-mailer';
import { instrumentPlatform } from './adapters/metrics/platform';
import { createPrometheusMetrics } from './adapters/metrics/prometheus';
import { payseraCheckout, payseraFromConfig } from './adapters/payments/paysera-checkout';
import { redisSharedThroughput } from './adapters/redis-throughput';
import { createRouteFactory } from './adapters/route-factory';
import { ROUTE_TYPES } from './adapters/route-types';
import { loadSecretsKey } from './adapters/secrets/key-file';
import { createSimulatorReplies } from './adapters/simulator/simulator-replies';
import { createSimulatorRoute } from './adapters/simulator/simulator-route';
import { createSmppDoor, createSmppServer, type SmppBindView, type SmppServer } from './adapters/smpp-server';
import { webhookNet } from './adapters/webhooks';
import type { Config } from './config';
import { buildApp } from './http/app';
import type { CheckState, ReadinessProbe } from './http/routes/health';
import { type Clock, systemClock } from './kernel/clock';
import type { FileStore } from './kernel/file-store';
import { createIdGenerator } from './kernel/ids';
import { createLogger, type Logger } from './kernel/logger';
import type { Mailer } from './kernel/mailer';
import { createSecretBox } from './kernel/secret-box';
import { settlesWithin } from './kernel/timing';
import {
  type AccountsDeps,
  assertAccountExists,
  createAccountAdmin,
  createAccountSettings,
  createApiKeys,
  createIdentity,
  createStaff,
  createTeam,
  PLATFORM_SENDER,
  sealClearTotpSecrets,
} from './modules/accounts';
import { createAuditLog } from './modules/audit';
import { createLedger, createPriceAdmin, createPriceBook, creditsToMicro } from './modules/billing';
import { createCampaignFiles, createCampaigns, createStopReplies, linkOwners } from './modules/campaigns';
import {
  builtinRetentionRules,
  createClosure,
  createProcessorDuties,
  createRequestInbox,
  createRetention,
  createSmsRequests,
  createSubjectRequests,
} from './modules/compliance';
import {
  createContacts,
  createKeywordMembership,
  createStartReplyRecorder,
  createStopReplyRecorder,
} from './modules/contacts';
import {
  createCostsAdmin,
  createDispatcher,
  createReceiptSweeps,
  createReportInbox,
  createRouteCallbacks,
  createRouteHealthBoard,
  createRouteRegistry,
  createRoutesAdmin,
  createRouteTests,
  createRouteTypes,
  type RouteEvents,
  type RouteTypeDefinition,
  sealClearRouteCredentials,
} from './modules/dispatch';
import { createInbound, ownersOf } from './modules/inbound';
import { createKeywords } from './modules/keywords';
import {
  type ClientEventSink,
  createCampaignMessages,
  createHeldMessages,
  createMarginReports,
  createMessageCancel,
  createMessageDeletion,
  createMessageReader,
  createMessageReports,
  createOutcomes,
  createPreview,
  createSender,
} from './modules/messaging';
import { createPayments } from './modules/payments';
import { createSmppCredentials, createSmppDeliveries } from './modules/smpp-accounts';
import { createTrust } from './modules/trust';
import { createTwilioCallbacks, createTwilioServices } from './modules/twilio-compat';
import { createWebhooks } from './modules/webhooks';
import { createDbQueue } from './queue/db-queue';
import type { RedisQueue } from './queue/redis-queue';
import { openStorage, type Storage } from './storage/database';
import { createGroupCommit } from './storage/group-commit';
import { probeDatabase } from './storage/health';
import { claimSecretsKey } from './storage/secrets-key-check';
import type { Loop } from './workers/loops';
import { backgroundSchedule, runScheduleOnce, startSchedule } from './workers/schedule';

export interface SystemOverrides {
  clock?: Clock;
  logger?: Logger;
  mailer?: Mailer;
  files?: FileStore;
  storage?: Storage;
  /**
   * What this process runs (`serve`, `worker`, or `api`: a server without workers, which opens no carrier
   * connection); with the host name, the default WORKER_ID.
   */
  role?: string;
  /** Dispatch lease and heartbeat (tests shorten them). */
  dispatch?: { leaseMs?: number; heartbeatMs?: number };
  /** The route-type registry (tests add throw-away types); default: src/adapters/route-types.ts. */
  routeTypes?: readonly RouteTypeDefinition[];
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
  // Credentials the platform must read back (route passwords, 2FA secrets, signing keys) are sealed under
  // one key per deployment; a process holding another refuses to start (see storage/secrets-key-check.ts).
  const secrets = createSecretBox(loadSecretsKey(config));
  await claimSecretsKey(db, secrets.fingerprint(), clock.now());
  // The operator's alert when the disk fills: an error line now, then at most once a minute.
  storage.health.listen({
    full: (error) =>
      logger.error(
        { err: error },
        'storage is full: writes are refused (503 storage_full, receipts deferred) until space is freed',
      ),
    roomAgain: () => logger.warn('storage has room again: writes go through'),
  });

  // SMTP and Redis clients are loaded only when configured: each takes 10-20 MB of memory.
  const mailer =
    overrides.mailer ??
    (config.SMTP_URL
      ? (await import('./adapters/mail/smtp-mailer')).createSmtpMailer(config.SMTP_URL, config.MAIL_FROM)
      : createFileMailer({ dir: join(config.DATA_DIR, 'mail'), clock, logger, from: config.MAIL_FROM }));
  // Import originals, attachments and avatars: local disk unless a test or deployment gives another store.
  const files = overrides.files ?? createLocalFileStore(join(config.DATA_DIR, 'files'));
  const audit = createAuditLog({ clock, ids });
  const ledger = createLedger({ clock, ids });
  const paysera = payseraFromConfig(config);
  const payments = createPayments({
    db,
    clock,
    ids,
    ledger,
    audit,
    terms: () => ({
      currencies: config.TOP_UP_CURRENCIES,
      minimumMinor: config.TOP_UP_MINIMUM_MINOR,
      creditPriceMinor: config.CREDIT_PRICES,
      packages: config.TOP_UP_PACKAGES,
    }),
    providers: paysera ? { paysera: payseraCheckout(paysera, config.PUBLIC_URL) } : {},
  });
  const settings = {
    freeCreditsMicro: creditsToMicro(config.FREE_CREDITS),
    policyVersion: config.POLICY_VERSION,
    sessionTtlMs: config.SESSION_TTL_HOURS * 3600_000,
    loginMaxFailures: config.LOGIN_MAX_FAILURES,
    loginLockEmailFailures: config.LOGIN_LOCK_EMAIL_FAILURES,
    resetMaxPerEmail: config.PASSWORD_RESET_MAX_PER_EMAIL,
    resetMaxPerIp: config.PASSWORD_RESET_MAX_PER_IP,
    staffRequire2fa: config.STAFF_REQUIRE_2FA,
    publicUrl: config.PUBLIC_URL,
    importMaxBytes: config.IMPORT_MAX_BYTES,
  };
  const accountsDeps: AccountsDeps = {
    db,
    clock,
    ids,
    audit,
    ledger,
    mailer,
    settings,
    secrets,
    log: logger,
  };
  const processor = createProcessorDuties({
    db,
    clock,
    ids,
    audit,
    mailer,
    settings: {
      operatorName: config.OPERATOR_NAME,
      publicUrl: config.PUBLIC_URL,
      objectionDays: config.SUBPROCESSOR_OBJECTION_DAYS,
      initialPolicyVersion: config.POLICY_VERSION,
    },
    // The retention engine is built further down; the register asks it only when generated.
    retentionPeriods: async () =>
      (await retention.policies()).map((p) => ({ rule: p.rule, description: p.description, days: p.days })),
  });

  // Client events (webhooks) are published by whichever sinks are registered.
  const eventSinks: ClientEventSink[] = [];
  // Metrics are kept unless turned off (METRICS=false).
  const metrics = config.METRICS ? createPrometheusMetrics() : null;
  const platformMetrics = metrics
    ? instrumentPlatform(metrics, { db, clock, routes: () => registry.router.all() })
    : null;
  if (platformMetrics) eventSinks.push(platformMetrics.sink);
  const clientEvents: ClientEventSink = {
    async publish(tx, events) {
      if (events.length === 0) return;
      for (const sink of eventSinks) await sink.publish(tx, events);
    },
  };
  const priceBook = createPriceBook({ clock });
  const routeTypes = createRouteTypes(overrides.routeTypes ?? ROUTE_TYPES, secrets);
  // Credentials written before they were sealed are sealed now, once.
  await sealClearRouteCredentials(db, routeTypes);
  await sealClearTotpSecrets(db, secrets);
  const workerId = config.WORKER_ID ?? `${hostname()}:${overrides.role ?? 'system'}`;
  // An API-only process leaves the carrier connections to the workers.
  const opensRoutes = overrides.role !== 'api';
  const outbox = createDbQueue({ db, clock, ids, capabilities: storage.capabilities, workerId });
  // With Redis, jobs still enter the database in the business transaction and are relayed to BullMQ.
  const redisQueue: RedisQueue | null = config.REDIS_URL
    ? (await import('./queue/redis-queue')).createRedisQueue({
        outbox,
        url: config.REDIS_URL,
        prefix: config.REDIS_PREFIX,
        logger,
      })
    : null;
  const queue = redisQueue ?? outbox;
  const groupCommit = createGroupCommit(storage, { maxBatch: 256 });
  // The operator's sender for accounts that have not chosen one (else the platform's name).
  const sharedSender = config.DEFAULT_SENDER ?? null;
  // The registry is made below; message views ask it which route a message took only when read.
  const messages = createMessageReader({ db, routeInfo: (id) => registry.describe(id) });
  const outcomes = createOutcomes({
    clock,
    ids,
    ledger,
    queue,
    events: clientEvents,
    // Each applied receipt feeds routing's live quality (the registry is made below) and the metrics.
    onReceipt: (r) => {
      registry.quality.record(r.routeId, r.country, r.delivered, r.latencyMs);
      platformMetrics?.receipt(r);
    },
  });
  const trust = createTrust({
    db,
    clock,
    ids,
    audit,
    sharedSender: sharedSender ?? PLATFORM_SENDER,
    numberOwners: ownersOf,
    platformHost: hostOf(config.PUBLIC_URL),
    linkOwners,
  });
  const sendOnly = createSender({
    db,
    clock,
    ids,
    ledger,
    priceBook,
    queue,
    audit,
    events: clientEvents,
    groupCommit,
    blockedNumbers: (tx, accountId, phones) => subjectRequests.blockedNumbers(tx, accountId, phones),
    checkSenders: trust.checkSenders,
    checkContent: trust.checkContent,
    sharedSender,
  });
  // Every front door (API, web app, Twilio-compatible API) sends through this one; metrics count what it took.
  const send: typeof sendOnly = platformMetrics
    ? async (...args) => platformMetrics.accepted(await sendOnly(...args))
    : sendOnly;
  // What a simulated route owes receipts for: clients' sent messages, then the operator's test sends.
  async function awaitingReports(routeId: string, sentBefore: number, limit: number) {
    const due = await messages.awaitingReports(routeId, sentBefore, limit);
    return due.concat(routeTests.awaitingReceipts(routeId, sentBefore));
  }
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
    awaitingReports: (routeId, sentBefore, limit) => awaitingReports(routeId, sentBefore, limit),
  });
  const reports = createReportInbox({ db, outcomes });
  // STOP replies (and the account's synonyms) join the suppression list in the transaction storing them.
  const stopReplies = createStopReplies({
    record: createStopReplyRecorder({ clock, audit }),
    start: createStartReplyRecorder({ audit }),
  });
  // Keywords (HELP, DATA/DELETE, the account's rules) are answered by a job queued with the messages.
  const keywords = createKeywords({
    db,
    clock,
    ids,
    audit,
    queue,
    send,
    effects: {
      mailer,
      membership: createKeywordMembership({ clock, ids }),
      smsRequests: createSmsRequests({ clock, ids, audit }),
      events: clientEvents,
    },
    logger,
  });
  const inbound = createInbound({
    db,
    clock,
    ids,
    audit,
    events: clientEvents,
    onStored: async (tx, rows) => {
      await stopReplies(tx, rows);
      await keywords.responder.enqueue(tx, rows);
    },
  });
  // With Redis, routes' throughput limits hold for the whole deployment, not per process.
  const throughputRedis = config.REDIS_URL
    ? new (await import('ioredis')).Redis(config.REDIS_URL, { maxRetriesPerRequest: 1 })
    : null;
  throughputRedis?.on('error', (error) => logger.debug({ err: error }, 'redis (route throughput)'));
  const routeFactory = createRouteFactory(routeTypes, {
    clock,
    logger,
    awaitingReports,
    publicUrl: config.PUBLIC_URL,
    ...(throughputRedis
      ? { sharedThroughput: redisSharedThroughput(throughputRedis, config.REDIS_PREFIX, logger) }
      : {}),
  });
  const routeEvents: RouteEvents = {
    // The operator's test sends have no message: their receipts are recorded with the test.
    onDeliveryReport: (report) => routeTests.claim(report) ?? reports.receive(report),
    onInbound: (sms) => inbound.receive(sms),
  };
  // Carriers' HTTP callbacks: stored when they arrive, applied through routeEvents by a background kind.
  const routeCallbacks = createRouteCallbacks({
    db,
    clock,
    ids,
    routeTypes,
    events: routeEvents,
    logger,
    settings: { perSecond: config.ROUTE_CALLBACKS_PER_SECOND },
  });
  const registry = createRouteRegistry({
    db,
    factory: routeFactory,
    isSimulatedType: (type) => routeTypes.isSimulated(type),
    builtins: [{ route: simulator, name: 'Built-in simulator', simulated: true }],
    defaultRouteId: simulator.id,
    events: routeEvents,
    logger,
    openRoutes: opensRoutes,
  });
  // Where every process reads the routes' live figures: written by those holding binds.
  const routeHealth = createRouteHealthBoard({
    db,
    clock,
    workerId,
    routes: () => registry.router.all().filter((r) => registry.describe(r.id) && r.id !== simulator.id),
  });
  const routeTests = createRouteTests({
    db,
    clock,
    ids,
    audit,
    registry,
    defaultSender: sharedSender ?? PLATFORM_SENDER,
  });
  const router = registry.router;
  const dispatcher = createDispatcher({
    db,
    clock,
    queue,
    router,
    outcomes,
    logger,
    settings: overrides.dispatch,
  });
  const webhooks = createWebhooks({
    db,
    clock,
    ids,
    audit,
    logger,
    capabilities: storage.capabilities,
    settings: { allowPrivate: config.WEBHOOK_ALLOW_PRIVATE },
    net: webhookNet,
    // The job queue's owner: a restarted process takes back its previous boot's deliveries too.
    owner: outbox.owner,
  });
  eventSinks.push({ publish: async (tx, events) => void (await webhooks.enqueue(tx, events)) });
  const twilioCallbacks = createTwilioCallbacks({
    db,
    clock,
    ids,
    net: webhookNet,
    logger,
    settings: { allowPrivate: config.WEBHOOK_ALLOW_PRIVATE },
    secrets,
    // A TwiML reply is sent as the API key that set the number's SMS URL: revoked, it sends nothing.
    async reply(authToken, sms) {
      const actor = await services.apiKeys.actorFromKey(authToken, null);
      if (!actor || actor.kind === 'staff') return;
      const path = { to: '/To', text: '/Message', from: '/From', sendAt: '/', validUntil: '/' };
      await send(actor, [{ ...sms, path }], { allOrNothing: true, idempotency: null });
    },
  });
  eventSinks.push(twilioCallbacks.sink);
  const smppCredentials = createSmppCredentials({
    db,
    clock,
    ids,
    audit,
    settings: {
      defaultMaxBinds: config.SMPP_MAX_BINDS,
      lockAfterFailures: SMPP_LOCK_AFTER_FAILURES,
      lockMs: config.SMPP_LOCK_MINUTES * 60_000,
    },
  });
  // Receipts and replies owed to SMPP clients are queued in the transaction of the change, like webhooks.
  const smppDeliveries = createSmppDeliveries({ db, clock, ids });
  eventSinks.push(smppDeliveries.sink);
  const twilioServices = createTwilioServices({ db, clock, ids });
  // Carrier binds open only now: a bind can bring receipts and replies at once (a carrier redelivering
  // what it could not hand over before a restart), and their webhooks must have somewhere to go.
  await registry.start();
  // Routing's live quality starts from the newest receipts in the database, not empty.
  for (const r of await messages.recentReceipts(QUALITY_SEED_MESSAGES))
    registry.quality.record(r.routeId, r.country, r.delivered, r.latencyMs);
  const contacts = createContacts({
    db,
    clock,
    ids,
    audit,
    files,
    avatarImages,
    importFiles: createImportFileReader(files),
    lazyTransaction: storage.lazyTransaction,
    capabilities: storage.capabilities,
    importSettings: {
      maxRows: config.IMPORT_MAX_ROWS,
      maxUncompressedBytes: config.IMPORT_MAX_UNCOMPRESSED_BYTES,
      threadMinBytes: config.IMPORT_THREAD_MIN_BYTES,
    },
  });
  const messageDeletion = createMessageDeletion({ db, clock, audit, outcomes });
  const subjectRequests = createSubjectRequests({
    db,
    clock,
    ids,
    audit,
    messages: messageDeletion,
    contacts: contacts.book,
    removeContactFiles: (contactIds) => contacts.avatars.removeFiles(contactIds),
    imports: contacts.importErasure,
  });
  const retention = createRetention({
    db,
    clock,
    ids,
    audit,
    settings: { allowLonger: config.RETENTION_ALLOW_LONGER },
  });
  const campaignFiles = createCampaignFiles({
    db,
    clock,
    ids,
    files,
    audit,
    groupCommit,
    settings: {
      publicUrl: config.PUBLIC_URL,
      filesOrigin: config.FILES_ORIGIN ?? null,
      maxBytes: config.ATTACHMENT_MAX_BYTES,
      retentionMs: config.ATTACHMENT_RETENTION_DAYS * 24 * 3600_000,
    },
  });
  // Retention registration point: other modules' sweeps run as rules of the one retention sweep.
  for (const rule of builtinRetentionRules({
    db,
    messages: messageDeletion,
    removeContactFiles: (ids) => contacts.avatars.removeFiles(ids),
    sweepAttachments: (now, uploadedBefore) =>
      campaignFiles.attachments.sweepAttachments(now, uploadedBefore),
    sweepImportOriginals: (options) => contacts.imports.sweepOriginals(options),
  }))
    retention.register(rule);
  retention.register({
    name: 'smpp.deliveries',
    description:
      'Receipts and replies owed to SMPP clients that no receiver bind took: removed (with the receipt bookkeeping of messages that never ended, 40 days later).',
    promiseDays: SMPP_DELIVERIES_KEPT_DAYS,
    batch: ({ cutoff, limit }) => smppDeliveries.purge(cutoff, limit),
  });
  const campaigns = createCampaigns({
    db,
    clock,
    ids,
    audit,
    ledger,
    priceBook,
    messages: createCampaignMessages({ clock, ids, ledger, queue, events: clientEvents }),
    publicUrl: config.PUBLIC_URL,
    sharedSender,
    links: { issuer: campaignFiles.issuer, stats: campaignFiles.stats },
    blocked: (tx, accountId, phones) => subjectRequests.blockedAmongMany(tx, accountId, phones),
    trust,
  });
  const services = {
    db,
    clock,
    ids,
    files,
    audit,
    ledger,
    payments,
    paysera,
    identity: createIdentity(accountsDeps, processor.policies),
    processor,
    team: createTeam(accountsDeps),
    apiKeys: createApiKeys(accountsDeps),
    staff: createStaff(accountsDeps),
    accountAdmin: createAccountAdmin(accountsDeps),
    settings,
    webhooks,
    twilioCallbacks,
    smppCredentials,
    smppDeliveries,
    twilioServices,
    priceBook,
    trust,
    heldMessages: createHeldMessages({ db, clock, ids, ledger, queue, events: clientEvents, audit }),
    priceAdmin: createPriceAdmin({ db, audit, priceBook, assertAccountExists }),
    accountSettings: createAccountSettings({ db, audit, sharedSender }),
    queue,
    send,
    preview: createPreview({ db, priceBook, clock, sharedSender }),
    cancelMessage: createMessageCancel({ db, clock, ids, ledger, events: clientEvents, audit }),
    messages,
    messageReports: createMessageReports({ db, routeInfo: (id) => registry.describe(id) }),
    marginReports: createMarginReports({ db, routeInfo: (id) => registry.describe(id) }),
    costsAdmin: createCostsAdmin({ db, clock, audit, registry }),
    outcomes,
    dispatcher,
    simulator,
    router,
    registry,
    routeTypes,
    routesAdmin: createRoutesAdmin({
      db,
      clock,
      ids,
      audit,
      registry,
      routeTypes,
      signatureFailures: (id) => routeCallbacks.signatureFailures(id),
      healthBoard: routeHealth,
    }),
    routeCallbacks,
    routeTests,
    reports,
    inbound,
    keywordRules: keywords.rules,
    keywordSettings: keywords.settings,
    contacts,
    messageDeletion,
    retention,
    closure: createClosure({ db, clock, audit, messages: messageDeletion }),
    subjectRequests,
    privacyRequests: createRequestInbox({ db, clock, ids, audit }),
    campaigns,
    campaignFiles,
    simulatorReplies: createSimulatorReplies({
      simulatedRouteFor: (message) => registry.simulatedRouteFor(message),
      route: (id) =>
        id === simulator.id ? simulator : routeFactory.simulators().find((route) => route.id === id),
      lastSenderTo: async (accountId, phone) =>
        (await messages.list(accountId, { to: phone, limit: 1 }))[0]?.from ?? null,
      numbersOf: async (accountId) =>
        (await inbound.numbers.list({ accountId, limit: 500 })).map((n) => n.number).reverse(),
      ownerOf: async (number) => (await ownersOf(db, [number])).get(number) ?? null,
      latestFrom: async (accountId, from) =>
        (await inbound.inbox.list(accountId, { from, limit: 1 }))[0] ?? null,
    }),
    eventSinks,
    readiness: undefined as ReadinessProbe | undefined,
    metrics: metrics ? { token: config.METRICS_TOKEN, render: metrics.render } : undefined,
    /** Live SMPP binds of an account (none until this process starts the SMPP server). */
    smppBinds: (_accountId: string | null): SmppBindView[] => [],
  };
  // Background work: one map for the loops of startWorkers() and the passes of workOnce().
  const schedule = backgroundSchedule({
    config,
    dispatcher,
    outbox,
    redisQueue,
    simulators: () => [simulator, ...routeFactory.simulators()],
    webhooks,
    twilioCallbacks,
    twilioServices,
    imports: contacts.imports,
    fanout: campaigns.fanout,
    keywords: keywords.responder,
    receipts: createReceiptSweeps({ db, outcomes }),
    routeCallbacks,
    routeHealth,
    incidents: processor.incidents,
    campaignFiles,
    retention,
    logger,
  });
  const loops: Loop[] = [];

  // GET /readyz: the database answers, has room for writes, and Redis answers (when there is one).
  const redisProbe = config.REDIS_URL ? await createRedisProbe(config.REDIS_URL, logger) : null;
  // Also: this code's migrations are all applied (a newer version has not left it behind), and some real
  // route has a carrier connection (the built-in simulator counts only while no real route is enabled).
  services.readiness = async () => {
    const [database, queue] = await Promise.all([probeDatabase(db), redisProbe?.ping()]);
    const checks: Record<string, CheckState> = { database, storage: storage.health.full ? 'full' : 'ok' };
    if (queue) checks.queue = queue;
    if (database === 'ok')
      checks.migrations =
        (await storage.pendingMigrations().catch(() => ['?'])).length === 0 ? 'ok' : 'pending';
    // An API-only process holds no binds: the workers' readiness says whether routes are bound.
    if (opensRoutes) {
      const running = registry.router.all();
      const real = running.filter((r) => registry.describe(r.id)?.simulated === false);
      checks.routes = (real.length > 0 ? real : running).some((r) => r.health().connectedBinds > 0)
        ? 'ok'
        : 'unbound';
    }
    return checks;
  };

  let app: FastifyInstance | null = null;
  let smppServer: SmppServer | null = null;
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
        signupPerIpPerHour: config.SIGNUP_PER_IP_PER_HOUR,
      });
      return app;
    },
    /**
     * Starts the SMPP server: plain on `port`, over TLS on `tlsPort` (default SMPP_PORT and SMPP_TLS_PORT;
     * 0 picks a free port; left out, that listener is not started). Answers the ports it listens on. Its
     * submits go through the same accept path as `POST /v1/messages`.
     */
    async startSmpp(
      ports: { port?: number | undefined; tlsPort?: number | undefined } = {
        port: config.SMPP_PORT,
        tlsPort: config.SMPP_TLS_PORT,
      },
    ): Promise<{ server: SmppServer; port: number | null; tlsPort: number | null }> {
      smppServer ??= createSmppServer({
        log: logger.child({ component: 'smpp-server' }),
        now: () => clock.now(),
        settings: {
          window: config.SMPP_WINDOW,
          submitsPerSecond: config.SMPP_SUBMITS_PER_SECOND,
          responseTimeoutMs: config.SMPP_RESPONSE_TIMEOUT_SECONDS * 1000,
          concatWaitMs: config.SMPP_CONCAT_WAIT_SECONDS * 1000,
        },
        door: createSmppDoor({
          credentials: smppCredentials,
          deliveries: smppDeliveries,
          send,
          message: (accountId, id) => messages.get(accountId, id),
          cancel: (actor, id) => services.cancelMessage(actor, id),
          newMessageId: () => ids('msg'),
        }),
      });
      const server = smppServer;
      const host = config.SMPP_HOST ?? config.HOST;
      const port = ports.port === undefined ? null : await server.listen(ports.port, host);
      const tlsPort =
        ports.tlsPort === undefined
          ? null
          : await server.listen(ports.tlsPort, host, {
              cert: readFileSync(config.SMPP_TLS_CERT ?? ''),
              key: readFileSync(config.SMPP_TLS_KEY ?? ''),
            });
      services.smppBinds = (accountId) => server.binds(accountId);
      return { server, port, tlsPort };
    },
    /** One pass of every background kind (see workers/schedule.ts); tests call it with a fake clock instead of running loops. */
    workOnce: () => runScheduleOnce(schedule, config),
    /** Starts the loops of every background kind (see workers/schedule.ts). */
    startWorkers() {
      loops.push(...startSchedule(schedule, { config, logger }));
    },
    async stop() {
      if (app) await app.close();
      await smppServer?.close();
      const loopsStopped = Promise.all(loops.splice(0).map((l) => l.stop()));
      // A run waiting on Redis while it is gone (its commands wait for a reconnect) ends only once the
      // connections are cut: give the runs a few seconds, then cut them (the jobs table holds the truth).
      let redisClosed: Promise<void> | null = null;
      if (redisQueue && !(await settlesWithin(loopsStopped, LOOPS_STOP_WAIT_MS)))
        redisClosed = redisQueue.close();
      await loopsStopped;
      // Mails promised after an answer (password reset, unlock links) go out before the database closes.
      await Promise.all([services.identity.settled(), services.staff.settled()]);
      await registry.stop();
      throughputRedis?.disconnect();
      await (redisClosed ?? redisQueue?.close());
      redisProbe?.close();
      await storage.close();
    },
  };
}

export type System = Awaited<ReturnType<typeof createSystem>>;

/** How long receipts and replies wait for an SMPP client's receiver bind before retention removes them. */
const SMPP_DELIVERIES_KEPT_DAYS = 30;
/** Wrong SMPP passwords in a row that lock a credential (for SMPP_LOCK_MINUTES). */
const SMPP_LOCK_AFTER_FAILURES = 10;

/** How long `stop()` lets the background runs finish before it cuts the Redis connections they may wait on. */
const LOOPS_STOP_WAIT_MS = 5_000;
/** How many of the newest settled messages seed routing's live quality at start. */
const QUALITY_SEED_MESSAGES = 20_000;

/**
 * A Redis connection of its own for the readiness check, so that a check never queues behind the
 * queue's own commands; with no offline queue, a PING while Redis is away fails at once.
 */
async function createRedisProbe(url: string, logger: Logger) {
  const { Redis } = await import('ioredis');
  const client = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 2000 });
  client.on('error', (error) => logger.debug({ err: error }, 'redis readiness probe'));
  /** Connected, or connecting for the first time and then connected; false once an attempt failed. */
  const connected = () =>
    new Promise<boolean>((resolve) => {
      if (client.status === 'ready') return resolve(true);
      if (!['wait', 'connecting', 'connect'].includes(client.status)) return resolve(false);
      const settle = (ok: boolean) => () => {
        client.off('ready', onReady).off('error', onFail).off('close', onFail);
        resolve(ok);
      };
      const onReady = settle(true);
      const onFail = settle(false);
      client.once('ready', onReady).once('error', onFail).once('close', onFail);
    });
  return {
    async ping(): Promise<CheckState> {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<CheckState>((resolve) => {
        timer = setTimeout(() => resolve('unavailable'), 2000);
      });
      const answer = async (): Promise<CheckState> => {
        if (!(await connected())) return 'unavailable';
        return client.ping().then(
          () => 'ok' as const,
          () => 'unavailable' as const,
        );
      };
      try {
        return await Promise.race([answer(), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    close() {
      client.disconnect();
    },
  };
}

/** The host of a URL, lower case; null when it does not parse. */
function hostOf(url: string): string | null {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return null;
  }
}
