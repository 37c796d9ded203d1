import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { Logger } from '../../kernel/logger';
import type { BindRefusal, SmppBinder, SmppDelivery } from '../../modules/smpp-accounts';
import { Status } from '../smpp/wire';
import { type BindMode, type BindRequest, ServerStatus } from './pdus';
import { ClientSession } from './session';

/** A message from a submit_sm (or a reassembled concatenated one), for the accept path. */
export interface SmppSubmit {
  to: string;
  from: string | undefined;
  text: string;
  sendAt: number | null;
  validUntil: number | null;
  registeredDelivery: number;
  sourceAddr: string;
  /** The id already given to the client with an earlier part. */
  messageId: string | undefined;
}

/** What query_sm reports of a message: its status, when it became final, the carrier's error code. */
export interface SmppQueryAnswer {
  status: string;
  doneAt: number | null;
  carrierCode: string | null;
}

/** What the server needs from the platform (wired by the composition root). */
export interface SmppFrontDoor {
  authenticate(
    systemId: string,
    password: string,
    ip: string,
  ): Promise<{ ok: true; binder: SmppBinder } | { ok: false; reason: BindRefusal }>;
  recordBind(binder: SmppBinder, mode: BindMode, ip: string): Promise<void>;
  /** Accepts one message through the same path as `POST /v1/messages`; resolves once it is stored. */
  submit(binder: SmppBinder, message: SmppSubmit): Promise<string | { code: string | null }>;
  newMessageId(): string;
  /** A message of the binder's account, as query_sm answers it; null when there is none. */
  query(binder: SmppBinder, messageId: string): Promise<SmppQueryAnswer | null>;
  cancel(binder: SmppBinder, messageId: string): Promise<'cancelled' | 'not_found' | 'not_cancellable'>;
  claim(accountIds: string[], limit: number, leaseMs: number): Promise<SmppDelivery[]>;
  acknowledge(id: string): Promise<void>;
  /** Deliveries a closed bind never answered: offered again at once. */
  release(ids: string[]): Promise<void>;
  /** Called with a credential's id when it is deleted. */
  onCredentialRemoved(listener: (credentialId: string) => void): void;
}

export interface SmppServerSettings {
  /** submit_sm PDUs one bind may have in processing; more answer ESME_RTHROTTLED. */
  window: number;
  /** submit_sm PDUs per second per account (burst: one second's worth); more answer ESME_RTHROTTLED. */
  submitsPerSecond: number;
  /** How long a deliver_sm waits for its response before it is offered again. */
  responseTimeoutMs: number;
  /** How long the parts of a concatenated message wait for the rest. */
  concatWaitMs: number;
  /** Concatenated messages one bind may have incomplete at once; more answer ESME_RMSGQFUL. */
  maxPendingConcat: number;
  /** A connection that has not bound by then is closed. */
  bindTimeoutMs: number;
  /** A bound session silent for this long (no PDU, not even enquire_link) is closed. */
  idleTimeoutMs: number;
  /** How often due deliver_sm PDUs are looked for. */
  pollMs: number;
  /**
   * Refused binds one address may have in a minute; past it, its binds are refused without a password
   * check (each costs an Argon2 hash), so a flood of guesses cannot take the CPU.
   */
  bindFailuresPerMinute: number;
}

export const DEFAULT_SMPP_SERVER_SETTINGS: SmppServerSettings = {
  window: 100,
  submitsPerSecond: 1000,
  responseTimeoutMs: 30_000,
  concatWaitMs: 60_000,
  maxPendingConcat: 100,
  bindTimeoutMs: 30_000,
  idleTimeoutMs: 300_000,
  pollMs: 250,
  bindFailuresPerMinute: 30,
};

/** One live bind, as the account's Developers page shows it. */
export interface SmppBindView {
  accountId: string;
  credentialId: string;
  systemId: string;
  mode: BindMode;
  ip: string;
  boundAt: string;
  /** submit_sm PDUs answered ESME_ROK on this bind. */
  submits: number;
}

/** What a session asks of the server. */
export interface SessionHost {
  settings: SmppServerSettings;
  log: Logger;
  now(): number;
  bind(session: ClientSession, request: BindRequest, mode: BindMode): Promise<SmppBinder | number>;
  submit(binder: SmppBinder, message: SmppSubmit): Promise<string | { code: string | null }>;
  newMessageId(): string;
  query(binder: SmppBinder, messageId: string): Promise<SmppQueryAnswer | null | 'error'>;
  cancel(
    binder: SmppBinder,
    messageId: string,
  ): Promise<'cancelled' | 'not_found' | 'not_cancellable' | 'error'>;
  takeToken(accountId: string): boolean;
  acknowledged(delivery: SmppDelivery): void;
  closed(session: ClientSession, unanswered: SmppDelivery[]): void;
}

const REFUSAL_STATUS: Record<BindRefusal, number> = {
  unknown_system_id: ServerStatus.ESME_RINVSYSID,
  wrong_password: ServerStatus.ESME_RINVPASWD,
  locked: ServerStatus.ESME_RBINDFAIL,
  address_refused: ServerStatus.ESME_RBINDFAIL,
};

/**
 * The SMPP v3.4 server clients bind to: sessions, binds per credential, the per-account throughput limit,
 * and the pump that hands queued receipts and MO messages to receiver binds.
 */
export function createSmppServer(options: {
  door: SmppFrontDoor;
  log: Logger;
  settings?: Partial<SmppServerSettings>;
  now?: () => number;
}) {
  const settings = { ...DEFAULT_SMPP_SERVER_SETTINGS, ...options.settings };
  const { door, log } = options;
  const now = options.now ?? Date.now;
  const sessions = new Set<ClientSession>();
  const buckets = new Map<string, { tokens: number; at: number }>();
  /** Refused binds by address in the current minute. */
  const bindFailures = new Map<string, { count: number; since: number }>();
  const failuresOf = (ip: string) => {
    const t = now();
    let entry = bindFailures.get(ip);
    if (!entry || t - entry.since >= 60_000) {
      entry = { count: 0, since: t };
      bindFailures.set(ip, entry);
    }
    return entry;
  };
  /** Deliveries handed to a session and not yet answered, so a poll does not hand them out twice. */
  const outstanding = new Set<string>();
  const servers: Server[] = [];
  let timer: NodeJS.Timeout | null = null;
  let pumping = false;

  const host: SessionHost = {
    settings,
    log,
    now,
    async bind(session, request, mode) {
      const failures = failuresOf(session.ip);
      if (failures.count >= settings.bindFailuresPerMinute) {
        log.warn({ ip: session.ip }, 'smpp bind refused: too many refused binds from this address');
        return ServerStatus.ESME_RBINDFAIL;
      }
      let result: Awaited<ReturnType<SmppFrontDoor['authenticate']>>;
      try {
        result = await door.authenticate(request.systemId, request.password, session.ip);
      } catch (error) {
        log.error({ err: error }, 'smpp bind check failed');
        return Status.ESME_RSYSERR;
      }
      if (!result.ok) {
        failures.count++;
        log.info({ systemId: request.systemId, ip: session.ip, reason: result.reason }, 'smpp bind refused');
        return REFUSAL_STATUS[result.reason];
      }
      const binder = result.binder;
      const held = [...sessions].filter((s) => s.binder?.credentialId === binder.credentialId).length;
      if (held >= binder.maxBinds) return ServerStatus.ESME_RBINDFAIL;
      await door
        .recordBind(binder, mode, session.ip)
        .catch((error) => log.warn({ err: error }, 'smpp bind audit'));
      if (mode !== 'transmitter') setImmediate(() => void pump());
      return binder;
    },
    submit: async (binder, message) => {
      try {
        return await door.submit(binder, message);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (typeof code !== 'string') log.error({ err: error }, 'smpp submit failed');
        return { code: typeof code === 'string' ? code : null };
      }
    },
    newMessageId: () => door.newMessageId(),
    query: (binder, messageId) =>
      door.query(binder, messageId).catch((error) => {
        log.error({ err: error }, 'smpp query_sm failed');
        return 'error' as const;
      }),
    cancel: (binder, messageId) =>
      door.cancel(binder, messageId).catch((error) => {
        log.error({ err: error }, 'smpp cancel_sm failed');
        return 'error' as const;
      }),
    takeToken(accountId) {
      const t = now();
      const rate = settings.submitsPerSecond;
      const bucket = buckets.get(accountId) ?? { tokens: rate, at: t };
      bucket.tokens = Math.min(rate, bucket.tokens + ((t - bucket.at) * rate) / 1000);
      bucket.at = t;
      buckets.set(accountId, bucket);
      if (bucket.tokens < 1) return false;
      bucket.tokens -= 1;
      return true;
    },
    acknowledged(delivery) {
      outstanding.delete(delivery.id);
      door
        .acknowledge(delivery.id)
        .catch((error) => log.warn({ err: error }, 'smpp deliver_sm acknowledgement not stored'));
    },
    closed(session, unanswered) {
      if (bindFailures.size > 10_000) bindFailures.clear();
      sessions.delete(session);
      for (const d of unanswered) outstanding.delete(d.id);
      if (unanswered.length > 0)
        door
          .release(unanswered.map((d) => d.id))
          .then(() => pump())
          .catch((error) => log.warn({ err: error }, 'smpp deliveries not released'));
    },
  };

  /** Hands due deliveries to the receiver binds of their accounts, up to each bind's window. */
  async function pump(): Promise<void> {
    if (pumping) return;
    pumping = true;
    try {
      const byAccount = new Map<string, ClientSession[]>();
      for (const s of sessions)
        if (s.binder && s.receives) {
          const list = byAccount.get(s.binder.accountId) ?? [];
          list.push(s);
          byAccount.set(s.binder.accountId, list);
        }
      if (byAccount.size === 0) return;
      const room = [...byAccount.values()]
        .flat()
        .reduce((n, s) => n + Math.max(0, settings.window - s.unanswered), 0);
      if (room === 0) return;
      const due = await door.claim([...byAccount.keys()], room, settings.responseTimeoutMs);
      const turn = new Map<string, number>();
      for (const d of due) {
        if (outstanding.has(d.id)) continue;
        const list = (byAccount.get(d.accountId) ?? []).filter((s) => s.binder && s.receives);
        if (list.length === 0) continue;
        const i = turn.get(d.accountId) ?? 0;
        turn.set(d.accountId, i + 1);
        outstanding.add(d.id);
        setTimeout(() => outstanding.delete(d.id), settings.responseTimeoutMs).unref();
        list[i % list.length]!.deliver(d);
      }
    } catch (error) {
      log.warn({ err: error }, 'smpp deliveries not handed out');
    } finally {
      pumping = false;
    }
  }

  function sweep(): void {
    const t = now();
    for (const s of sessions) {
      s.expireParts(t);
      if (s.binder === null && s.idleFor(t) >= settings.bindTimeoutMs) s.close();
      else if (s.idleFor(t) >= settings.idleTimeoutMs) s.unbind();
      // Half the idle time without a word: ask (enquire_link); the client's answer counts as activity.
      else if (s.binder !== null && s.idleFor(t) >= settings.idleTimeoutMs / 2) s.probe();
    }
  }

  door.onCredentialRemoved((credentialId) => {
    for (const s of sessions) if (s.binder?.credentialId === credentialId) s.unbind();
  });

  return {
    settings,
    /**
     * Listens on `port` (0: a free one), over TLS when given a certificate and key (PEM); answers the port.
     * Listening twice (plain and TLS) serves both with the same sessions, limits and deliveries.
     */
    async listen(
      port: number,
      hostName: string,
      tls?: { cert: string | Buffer; key: string | Buffer },
    ): Promise<number> {
      const accept = (socket: Socket) => {
        sessions.add(new ClientSession(socket, host));
      };
      const server = tls ? createTlsServer({ cert: tls.cert, key: tls.key }, accept) : createServer(accept);
      // A TLS handshake that fails (a plain client on the TLS port) must not reach the process.
      server.on('tlsClientError', (error) => log.debug({ err: error }, 'smpp TLS handshake failed'));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, hostName, () => resolve());
      });
      // After the start (too many open files, say), an error is reported and the listener goes on.
      server.on('error', (error) => log.error({ err: error }, 'smpp listener error'));
      servers.push(server);
      if (!timer) {
        let ticks = 0;
        timer = setInterval(() => {
          void pump();
          if (++ticks % Math.max(1, Math.round(1000 / settings.pollMs)) === 0) sweep();
        }, settings.pollMs);
        timer.unref();
      }
      const address = server.address();
      return typeof address === 'object' && address ? address.port : port;
    },
    /** Binds held now by an account's credentials (its Developers page), or every account's (null). */
    binds(accountId: string | null): SmppBindView[] {
      return [...sessions]
        .filter((s) => s.binder && s.mode && (accountId === null || s.binder.accountId === accountId))
        .map((s) => ({
          accountId: s.binder!.accountId,
          credentialId: s.binder!.credentialId,
          systemId: s.binder!.systemId,
          mode: s.mode!,
          ip: s.ip,
          boundAt: new Date(s.boundAt).toISOString(),
          submits: s.submits,
        }));
    },
    /** Looks for due deliveries now (after a change that queued some). */
    nudge: () => void pump(),
    async close(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = null;
      for (const s of sessions) s.close();
      await Promise.all(
        servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
      );
    },
  };
}

export type SmppServer = ReturnType<typeof createSmppServer>;
