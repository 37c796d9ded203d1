import fastifyCookie from '@fastify/cookie';
import fastifyRateLimit, { normalizeIP } from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { PayseraSettings } from '../adapters/payments/paysera';
import type { SimulatorReplies } from '../adapters/simulator/simulator-replies';
import type { SmppBindView } from '../adapters/smpp-server';
import type { Clock } from '../kernel/clock';
import type { FileStore } from '../kernel/file-store';
import type { IdGenerator } from '../kernel/ids';
import type { Logger } from '../kernel/logger';
import type {
  AccountSettings,
  ApiKeys,
  createAccountAdmin,
  Identity,
  Staff,
  Team,
} from '../modules/accounts';
import type { AuditLog } from '../modules/audit';
import type { Ledger, PriceAdmin, PriceBook } from '../modules/billing';
import type { CampaignFiles, Campaigns } from '../modules/campaigns';
import type {
  Closure,
  ProcessorDuties,
  RequestInbox,
  Retention,
  SubjectRequests,
} from '../modules/compliance';
import type { Contacts } from '../modules/contacts';
import type { CostsAdmin, RouteCallbacks, RoutesAdmin, RouteTests, RouteTypes } from '../modules/dispatch';
import type { Inbound } from '../modules/inbound';
import type { KeywordRules, KeywordSettings } from '../modules/keywords';
import type {
  createMessageReader,
  createPreview,
  createSender,
  HeldMessages,
  MarginReports,
  MessageCancel,
  MessageDeletion,
  MessageReports,
} from '../modules/messaging';
import type { Payments } from '../modules/payments';
import type { SmppCredentials, SmppDeliveries } from '../modules/smpp-accounts';
import type { Trust } from '../modules/trust';
import type { TwilioCallbacks, TwilioServices } from '../modules/twilio-compat';
import type { Webhooks } from '../modules/webhooks';
import type { Db } from '../storage/database';
import { onDisk } from '../storage/durability';
import { createCredentials, registerAuth } from './auth';
import { registerIdempotency } from './idempotency';
import { registerNulGuard } from './nul-guard';
import { errorHandler, problemOf, sendProblem } from './problem';
import { accountRoutes } from './routes/accounts';
import { adminRoutes } from './routes/admin';
import { adminAccountRoutes } from './routes/admin-accounts';
import { billingRoutes } from './routes/billing';
import { campaignRoutes } from './routes/campaigns';
import { complianceRoutes, registerPolicyGate } from './routes/compliance';
import { contactAvatarRoutes } from './routes/contact-avatars';
import { contactRoutes } from './routes/contacts';
import { contentRuleRoutes } from './routes/content-rules';
import { costRoutes } from './routes/costs';
import { devSimulatorRoutes } from './routes/dev-simulator';
import { healthRoutes, type MetricsEndpoint, type ReadinessProbe } from './routes/health';
import { importRoutes } from './routes/imports';
import { inboundRoutes } from './routes/inbound';
import { keywordRoutes } from './routes/keywords';
import { linkRoutes } from './routes/links';
import { messageReportRoutes } from './routes/message-reports';
import { messageRoutes } from './routes/messages';
import { paymentHookRoutes } from './routes/payment-hooks';
import { paymentRoutes } from './routes/payments';
import { priceAndSettingsRoutes } from './routes/prices';
import { privacyRoutes } from './routes/privacy';
import { routeHookRoutes } from './routes/route-hooks';
import { routingRoutes } from './routes/routing';
import { senderIdRoutes } from './routes/sender-ids';
import { smppRoutes } from './routes/smpp';
import { trustReviewRoutes } from './routes/trust-review';
import { twilioBasicAuth, twilioRoutes } from './routes/twilio-messages';
import { webhookRoutes } from './routes/webhooks';
import { securityHeaders } from './security-headers';
import { registerSignupLimit } from './signup-limit';
import { registerWeb } from './web';

/** Everything the HTTP layer calls. Routes hold no logic: each calls one of these. */
export interface AppServices {
  db: Db;
  clock: Clock;
  ids: IdGenerator;
  files: FileStore;
  identity: Identity;
  team: Team;
  apiKeys: ApiKeys;
  staff: Staff;
  accountAdmin: ReturnType<typeof createAccountAdmin>;
  ledger: Ledger;
  /** Buying credits through payment providers. */
  payments: Payments;
  /** Paysera Checkout, when configured: its callback checks and whether test payments count. */
  paysera?: { settings: PayseraSettings; testMode: boolean } | undefined;
  audit: AuditLog;
  settings: { publicUrl: string; importMaxBytes?: number };
  webhooks: Webhooks;
  priceBook: PriceBook;
  priceAdmin: PriceAdmin;
  /** Sender ids, sender rules and protected names (the trust guards). */
  trust: Trust;
  /** The operator's review of messages a content rule held. */
  heldMessages: HeldMessages;
  routesAdmin: RoutesAdmin;
  /** Carriers' callbacks on `/hooks/routes/:routeId/:kind`. */
  routeCallbacks: RouteCallbacks;
  routeTests: RouteTests;
  routeTypes: RouteTypes;
  accountSettings: AccountSettings;
  send: ReturnType<typeof createSender>;
  preview: ReturnType<typeof createPreview>;
  /** `POST /v1/messages/:id/cancel`: scheduled or queued → cancelled, credits released. */
  cancelMessage: MessageCancel;
  messages: ReturnType<typeof createMessageReader>;
  /** Counts by status and delivery rate per day, country or route, for the reports' charts. */
  messageReports: MessageReports;
  /** Carrier costs per route and each route's live quality. */
  costsAdmin: CostsAdmin;
  /** Revenue, carrier cost and margin per day, route, country or account. */
  marginReports: MarginReports;
  inbound: Inbound;
  keywordRules: KeywordRules;
  keywordSettings: KeywordSettings;
  contacts: Contacts;
  /** Message deletion and restore (and the purges the retention sweep runs). */
  messageDeletion: MessageDeletion;
  retention: Retention;
  closure: Closure;
  subjectRequests: SubjectRequests;
  privacyRequests: RequestInbox;
  /** Audit export, register of processing, notices, sub-processors, incidents, policy versions. */
  processor: ProcessorDuties;
  /** Short links (`/l/`, `/a/`), click tracking and campaign attachments. */
  campaignFiles: CampaignFiles;
  campaigns: Campaigns;
  /** `POST /v1/dev/simulator/inbound`: replies from the simulator's phones. */
  simulatorReplies: SimulatorReplies;
  /** Status callbacks of messages sent through the Twilio-compatible API. */
  twilioCallbacks: TwilioCallbacks;
  smppCredentials: SmppCredentials;
  smppDeliveries: SmppDeliveries;
  /** Live SMPP binds of an account, or of all (null); empty where this process runs no SMPP server. */
  smppBinds: (accountId: string | null) => SmppBindView[];
  /** Messaging Services (sender pools) of the Twilio-compatible API. */
  twilioServices: TwilioServices;
  /** The checks behind `GET /readyz` (database, storage, queue, migrations, routes). */
  readiness?: ReadinessProbe;
  /** `GET /metrics`, when `METRICS_TOKEN` is set. */
  metrics?: MetricsEndpoint;
}

export interface HttpOptions {
  logger: Logger;
  bodyLimit: number;
  /** false, the number of proxy hops to trust, or the proxies' addresses/CIDRs (never every hop). */
  trustProxy: false | number | string[];
  /** Requests per minute per API key, signed-in user or (unauthenticated) IP; 0 turns the limiter off. */
  rateLimitPerMinute: number;
  /** Successful sign-ups per client IP and hour; 0 turns the limit off. */
  signupPerIpPerHour?: number;
}

/**
 * Fastify's own hop count trusts no one (it cannot tell the proxy from a direct client), so a count
 * becomes "the nearest N peers": the socket peer is hop 0, the last `X-Forwarded-For` entry hop 1, and so
 * on. A list of proxy addresses is stricter (a client that reaches the server directly is not believed).
 */
function trustProxyOption(trust: HttpOptions['trustProxy']) {
  if (typeof trust === 'number') return (_address: string, hop: number) => hop < trust;
  return trust;
}

/** What a caller-chosen request id may look like. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** Methods that change nothing: their answers never wait for the disk. */
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export async function buildApp(services: AppServices, options: HttpOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    bodyLimit: options.bodyLimit,
    trustProxy: trustProxyOption(options.trustProxy),
    // A caller's x-request-id is kept only when it is a plain token: it is echoed in a header, the
    // problem body and the logs, where control characters or megabytes would break or flood them.
    requestIdHeader: false,
    genReqId: (req) => {
      const sent = req.headers['x-request-id'];
      return typeof sent === 'string' && REQUEST_ID.test(sent) ? sent : services.ids('req');
    },
    // One line per request is written by the onResponse hook below, without bodies or headers.
    logController: new LogController({ disableRequestLogging: true }),
    routerOptions: { ignoreTrailingSlash: true },
    // Errors the router raises before any route is found (a malformed or over-long path parameter):
    // through the same error handler as the rest, so they too are problem+json. No route means no
    // onSend hooks, so the headers they add are set here.
    frameworkErrors: (error, request, reply) => {
      reply.header('x-request-id', request.id);
      securityHeaders(request, reply);
      return errorHandler(error, request, reply);
    },
  }).withTypeProvider<ZodTypeProvider>();

  // JSON only: a text/plain body would otherwise reach the validator as a string.
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  // The web app (web/dist, when built) is served from here: pages and files, never under the API paths.
  const web = await registerWeb(app);
  app.setNotFoundHandler((request, reply) => {
    if (web?.(request, reply)) return reply;
    return sendProblem(
      reply,
      problemOf('route_not_found', `No endpoint ${request.method} ${request.url.split('?')[0]}.`, request.id),
    );
  });

  app.addHook('onSend', async (request, reply, payload) => {
    // What a request changed is committed but, on SQLite, fsynced just after the commit: an answer to a
    // write waits for that, so nothing answered is lost to a power cut (reads never wait).
    if (!READ_METHODS.has(request.method)) await onDisk(services.db);
    reply.header('x-request-id', request.id);
    securityHeaders(request, reply);
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        // Requests no route matched (web app pages, 404s, early errors) have no route pattern: their path
        // is logged as sent, without the query string (which may carry tokens).
        url: request.routeOptions.url ?? request.url.split('?', 1)[0]!.slice(0, 200),
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
  });

  await app.register(fastifyCookie);
  const credentials = createCredentials({ ...services, basic: twilioBasicAuth(services.apiKeys) });
  if (options.rateLimitPerMinute > 0) {
    await app.register(fastifyRateLimit, {
      max: options.rateLimitPerMinute,
      timeWindow: 60_000,
      // One bucket per authenticated credential, so a busy integration does not starve the others behind
      // one NAT; anything that is not a valid credential (none, made up, revoked) counts against its IP,
      // so inventing a new one per request does not buy a new bucket.
      keyGenerator: async (request) => {
        const actor = await credentials.actorOf(request);
        // IPv6 addresses count by subnet: one host is given a whole block to rotate through.
        if (!actor) return `ip:${normalizeIP(request.ip)}`;
        if (actor.kind === 'staff') return `staff:${actor.keyId ?? actor.id}`;
        return `${actor.kind}:${actor.id}`;
      },
      errorResponseBuilder: (request, context) => ({
        ...problemOf(
          'rate_limited',
          `Too many requests; retry in ${Math.ceil(context.ttl / 1000)} s.`,
          request.id,
        ),
        statusCode: 429,
      }),
    });
  }

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'smsgate API',
        version: '1.0.0',
        description:
          'Send SMS, receive replies and delivery reports, manage contacts and campaigns. Errors are application/problem+json with a stable `code` (see docs/errors.md).',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'API key (`sg_live_…`)' },
          session: { type: 'apiKey', in: 'cookie', name: 'sg_session' },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true }, config: { auth: 'public' } }, async () => app.swagger());

  // The route table, for the role-matrix and tenant-isolation tests that walk every route.
  const routeTable: FastifyInstance['routeTable'] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'HEAD') continue;
      routeTable.push({
        method,
        url: route.url,
        auth: route.config?.auth ?? 'public',
        permission: route.config?.permission,
        sessionOnly: route.config?.sessionOnly === true,
      });
    }
  });

  registerSignupLimit(app, {
    clock: services.clock,
    perHour: options.signupPerIpPerHour ?? 0,
    route: { method: 'POST', url: '/v1/signup' },
  });
  registerAuth(app, credentials, services.staff);
  registerNulGuard(app);
  registerIdempotency(app, services);
  registerPolicyGate(app, services);

  await app.register(healthRoutes(services));

  await app.register(accountRoutes(services));
  await app.register(billingRoutes(services));
  await app.register(paymentRoutes(services));
  await app.register(paymentHookRoutes(services));
  await app.register(messageRoutes(services));
  await app.register(messageReportRoutes(services));
  await app.register(priceAndSettingsRoutes(services));
  await app.register(routingRoutes(services));
  await app.register(costRoutes(services));
  await app.register(routeHookRoutes(services));
  await app.register(adminRoutes(services));
  await app.register(adminAccountRoutes(services));
  await app.register(senderIdRoutes(services));
  await app.register(contentRuleRoutes(services));
  await app.register(trustReviewRoutes(services));
  await app.register(webhookRoutes(services));
  await app.register(inboundRoutes(services));
  await app.register(devSimulatorRoutes(services));
  await app.register(keywordRoutes(services));
  await app.register(contactRoutes(services));
  await app.register(importRoutes(services));
  await app.register(contactAvatarRoutes(services));
  await app.register(privacyRoutes(services));
  await app.register(complianceRoutes(services));
  await app.register(linkRoutes(services));
  await app.register(campaignRoutes(services));
  await app.register(twilioRoutes(services));
  await app.register(smppRoutes(services));

  return app;
}
