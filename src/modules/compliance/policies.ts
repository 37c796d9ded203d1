import { AppError } from '../../kernel/errors';
import type { DbOrTx } from '../../storage/database';
import { isUniqueViolation } from '../../storage/unique-violation';
import type { StaffActor } from '../accounts';
import { auditActor, iso, type ProcessorDeps } from './processor-duties';

export interface PolicyView {
  version: string;
  /** Markdown; null for the initial version named by config, whose text lives outside the database. */
  text: string | null;
  publishedAt: string | null;
}

/**
 * Versions of the privacy policy. The newest published version is current; until the operator
 * publishes one, the configured POLICY_VERSION is (publishing that same version adds its text). Users are asked to accept each published version
 * (the accounts module records acceptances).
 */
export function createPolicies(deps: ProcessorDeps) {
  const { db, clock, audit, settings } = deps;

  async function current(tx: DbOrTx = db): Promise<PolicyView> {
    const row = await tx
      .selectFrom('policy_versions')
      .selectAll()
      .orderBy('published_at', 'desc')
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!row) return { version: settings.initialPolicyVersion, text: null, publishedAt: null };
    return { version: row.version, text: row.text, publishedAt: iso(row.published_at) };
  }

  return {
    current,

    async list(): Promise<PolicyView[]> {
      const rows = await db
        .selectFrom('policy_versions')
        .selectAll()
        .orderBy('published_at', 'desc')
        .execute();
      return rows.map((r) => ({ version: r.version, text: r.text, publishedAt: iso(r.published_at) }));
    },

    async publish(actor: StaffActor, input: { version: string; text: string }): Promise<PolicyView> {
      return db.transaction().execute(async (tx) => {
        const exists = await tx
          .selectFrom('policy_versions')
          .select('version')
          .where('version', '=', input.version)
          .executeTakeFirst();
        const taken = () =>
          new AppError('conflict', `Policy version ${input.version} exists; publish a new version.`);
        if (exists) throw taken();
        const now = clock.now();
        await tx
          .insertInto('policy_versions')
          .values({ version: input.version, text: input.text, published_by: actor.id, published_at: now })
          .execute()
          .catch((error: unknown) => {
            // A concurrent publish of the same version passed the check too.
            if (isUniqueViolation(error)) throw taken();
            throw error;
          });
        await audit.record(tx, {
          accountId: null,
          actor: auditActor(actor),
          action: 'policy.published',
          target: { type: 'policy', id: input.version },
          data: { characters: input.text.length },
        });
        return { version: input.version, text: input.text, publishedAt: iso(now) };
      });
    },
  };
}

export type Policies = ReturnType<typeof createPolicies>;
