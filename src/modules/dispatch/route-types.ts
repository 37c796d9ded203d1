import { z } from 'zod';
import { AppError } from '../../kernel/errors';
import type { RoutesTable } from '../../storage/schema';

/**
 * One kind of route the operator can configure (the start of the route-adapter registry): the schema its
 * config must match, which of its fields are credentials (stored, never returned), and how the back office
 * names it. The composition root lists the types; validation, masking and the route-types answer all read
 * that one list.
 */
export interface RouteTypeDefinition {
  type: RoutesTable['type'];
  label: string;
  description: string;
  /** Parses (and completes, with defaults) a config; field titles and descriptions come from `.meta()`. */
  configSchema: z.ZodType;
  /** Top-level config fields holding credentials. */
  secretKeys: readonly string[];
}

/** What answers show instead of a stored credential. */
export const SECRET_MASK = '********';

/** A route type as `GET /v1/admin/route-types` describes it: its config as JSON Schema, secrets marked. */
export interface RouteTypeView {
  type: string;
  label: string;
  description: string;
  secretKeys: string[];
  configSchema: Record<string, unknown>;
}

/** The list of route types, looked up by type. */
export function createRouteTypes(definitions: readonly RouteTypeDefinition[]) {
  const byType = new Map(definitions.map((d) => [d.type, d]));
  function definition(type: string): RouteTypeDefinition {
    const d = byType.get(type as RoutesTable['type']);
    if (!d) throw new AppError('validation_failed', `Unknown route type ${type}.`);
    return d;
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
      const secrets = new Set(byType.get(type as RoutesTable['type'])?.secretKeys ?? []);
      return Object.fromEntries(
        Object.entries(config).map(([k, v]) => [k, secrets.has(k) && v ? SECRET_MASK : v]),
      );
    },
    isSecret(type: string, key: string): boolean {
      return byType.get(type as RoutesTable['type'])?.secretKeys.includes(key) === true;
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
          secretKeys: [...d.secretKeys],
          configSchema: schema,
        };
      });
    },
  };
}

export type RouteTypes = ReturnType<typeof createRouteTypes>;
