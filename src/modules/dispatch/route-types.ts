import { z } from 'zod';
import type { Clock } from '../../kernel/clock';
import { AppError } from '../../kernel/errors';
import type { Logger } from '../../kernel/logger';
import { isSealed, type SecretBox } from '../../kernel/secret-box';
import type { DeliveryReport, InboundSms, SharedThroughput, SmsRoute } from '../route-port';

/** What the composition root gives an adapter it builds for one route row. */
export interface RouteAdapterDeps {
  /** The route's id (`rte_…`). */
  id: string;
  clock: Clock;
  /** Already bound to the route. */
  logger: Logger;
  /**
   * Messages (and operator test sends) sent through this route before `sentBefore` that still wait for a
   * receipt: what a simulated carrier owes receipts for.
   */
  awaitingReports(
    routeId: string,
    sentBefore: number,
    limit: number,
  ): Promise<Array<{ carrierRef: string; to: string }>>;
  /**
   * The public URL a carrier calls back on for this route (`PUBLIC_URL/hooks/routes/:routeId/:kind`),
   * given to it with each message (status callback) or set in the carrier's console (inbound).
   */
  callbackUrl(kind: RouteCallbackKind): string;
  /**
   * The route's throughput limit shared with the deployment's other processes (with Redis), for an adapter
   * that limits it: null or absent when each process keeps its own.
   */
  sharedThroughput?(perSecond: number): SharedThroughput | null;
}

/** Which callback of a route a carrier called: delivery reports or inbound messages. */
export type RouteCallbackKind = 'status' | 'inbound';

/**
 * A carrier's callback (`GET|POST /hooks/routes/:routeId/:kind`) as an adapter reads it: everything a
 * signature check may cover, exactly as received.
 */
export interface RouteCallback {
  routeId: string;
  kind: RouteCallbackKind;
  method: 'GET' | 'POST';
  /**
   * The URL the carrier called, as it sees it: the platform's public base URL (`PUBLIC_URL`) plus the
   * path and the query string exactly as received (Twilio and Plivo sign it).
   */
  url: string;
  /** The query string's parameters (the first value of each). */
  query: Record<string, string>;
  /** Header names in lower case. */
  headers: Record<string, string | string[] | undefined>;
  /** The raw body ('' for a GET), for signature checks and parsing. */
  body: string;
  receivedAt: number;
}

/** What a callback's signature check found. */
export type CallbackVerdict = { ok: true } | { ok: false; reason: string };

/**
 * One kind of route the operator can configure: an entry of the route-adapter registry
 * (`src/adapters/route-types.ts`, one folder per type). The HTTP validation of route configs, the
 * route-types answer (JSON Schema generated from `configSchema`), the back office's route form, secret
 * masking and the building of live adapters all read that one list.
 */
export interface RouteTypeDefinition<C = Record<string, unknown>> {
  type: string;
  label: string;
  description: string;
  /** Parses (and completes, with defaults) a config; field titles and descriptions come from `.meta()`. */
  configSchema: z.ZodType<C>;
  /** Top-level config fields holding credentials: stored, never answered, shown as password fields. */
  secretKeys: readonly string[];
  /** A simulated carrier: reaches no real phone (used only where a routing rule allows simulators). */
  simulated?: boolean;
  /** Builds the live adapter of one route from its parsed config. */
  create(config: C, deps: RouteAdapterDeps): SmsRoute;
  /**
   * Checks a callback's signature (or shared token) with the route's credentials before anything in it
   * is believed; a failure is answered 401 and counted in the route's health. Types with callbacks must
   * define it (a type with no way to authenticate its carrier puts a secret token in its callback URL).
   */
  verifyCallback?(callback: RouteCallback, config: C): CallbackVerdict;
  /** Carriers that report receipts by callback: the reports in one (with their raw error codes). */
  parseReceipt?(callback: RouteCallback, config: C): DeliveryReport[];
  /** Carriers that hand over replies by callback: the messages in one. */
  parseInbound?(callback: RouteCallback, config: C): InboundSms[];
  /** The answer a carrier expects to a callback it made (default: 200 with an empty body). */
  callbackAnswer?: { status: number; contentType: string; body: string };
}

/** What answers show instead of a stored credential. */
export const SECRET_MASK = '********';

/** A route type as `GET /v1/admin/route-types` describes it: its config as JSON Schema, secrets marked. */
export interface RouteTypeView {
  type: string;
  label: string;
  description: string;
  simulated: boolean;
  secretKeys: string[];
  configSchema: Record<string, unknown>;
}

/**
 * The list of route types, looked up by type. With `secrets`, a route's credentials are sealed in the
 * stored config (`store`) and opened when it is read (`read`, `create`); without, it only validates.
 */
export function createRouteTypes(definitions: readonly RouteTypeDefinition[], secrets?: SecretBox) {
  const byType = new Map(definitions.map((d) => [d.type, d]));
  if (byType.size !== definitions.length) throw new Error('two route types share a name');
  function definition(type: string): RouteTypeDefinition {
    const d = byType.get(type);
    if (!d) throw new AppError('validation_failed', `Unknown route type ${type}.`);
    return d;
  }
  function box(): SecretBox {
    if (!secrets) throw new Error('route credentials cannot be sealed or opened without the secrets key');
    return secrets;
  }
  /**
   * A stored config with its credentials in clear (rows from before sealing hold them so already).
   * Throws SecretBoxError when one was sealed under another key or changed.
   */
  function read(type: string, stored: string): Record<string, unknown> {
    const config = JSON.parse(stored) as Record<string, unknown>;
    for (const key of byType.get(type)?.secretKeys ?? []) {
      const value = config[key];
      if (typeof value === 'string' && isSealed(value)) config[key] = box().open(value);
    }
    return config;
  }
  return {
    types: definitions.map((d) => d.type),
    definition,
    /** Checks and completes a config; each bad field is reported under /body/config. */
    validate(type: string, config: Record<string, unknown>): Record<string, unknown> {
      const result = definition(type).configSchema.safeParse(config);
      if (!result.success)
        throw new AppError('validation_failed', `The ${type} route config is invalid.`, {
          errors: result.error.issues.map((i) => ({
            path: `/body/config/${i.path.join('/')}`,
            message: i.message,
          })),
        });
      return result.data as Record<string, unknown>;
    },
    /** The config with every credential of its type replaced by the mask. */
    mask(type: string, config: Record<string, unknown>): Record<string, unknown> {
      const secrets = new Set(byType.get(type)?.secretKeys ?? []);
      return Object.fromEntries(
        Object.entries(config).map(([k, v]) => [k, secrets.has(k) && v ? SECRET_MASK : v]),
      );
    },
    isSecret(type: string, key: string): boolean {
      return byType.get(type)?.secretKeys.includes(key) === true;
    },
    /** Whether routes of this type are simulated carriers (unknown types count as real). */
    isSimulated(type: string): boolean {
      return byType.get(type)?.simulated === true;
    },
    /** The stored form of a validated config: JSON, each credential sealed. */
    store(type: string, config: Record<string, unknown>): string {
      const keys = new Set(definition(type).secretKeys);
      return JSON.stringify(
        Object.fromEntries(
          Object.entries(config).map(([k, v]) => [
            k,
            keys.has(k) && typeof v === 'string' && v !== '' && !isSealed(v) ? box().seal(v) : v,
          ]),
        ),
      );
    },
    read,
    /** Whether a stored config still holds a credential in clear (written before sealing). */
    hasClearSecret(type: string, stored: string): boolean {
      const config = JSON.parse(stored) as Record<string, unknown>;
      return (byType.get(type)?.secretKeys ?? []).some((k) => {
        const v = config[k];
        return typeof v === 'string' && v !== '' && !isSealed(v);
      });
    },
    /** The live adapter of a route row: its stored config opened and parsed by its type's schema. */
    create(row: { id: string; type: string; config: string }, deps: RouteAdapterDeps): SmsRoute {
      const d = definition(row.type);
      return d.create(d.configSchema.parse(read(row.type, row.config)) as Record<string, unknown>, deps);
    },
    /** Every type with its config schema as JSON Schema (input side: fields with defaults are optional). */
    views(): RouteTypeView[] {
      return definitions.map((d) => {
        const schema = z.toJSONSchema(d.configSchema, { io: 'input', unrepresentable: 'any' }) as Record<
          string,
          unknown
        >;
        const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
        // Marked for forms and generated clients: write-only, shown as a password field.
        for (const key of d.secretKeys)
          if (properties[key]) Object.assign(properties[key], { writeOnly: true, format: 'password' });
        return {
          type: d.type,
          label: d.label,
          description: d.description,
          simulated: d.simulated === true,
          secretKeys: [...d.secretKeys],
          configSchema: schema,
        };
      });
    },
  };
}

export type RouteTypes = ReturnType<typeof createRouteTypes>;
