import { AppError } from '../../kernel/errors';
import type { DbOrTx } from '../../storage/database';
import type { SuppressionsTable } from '../../storage/schema';
import type { ClientActor } from '../accounts';
import { auditActorOf } from '../audit';
import { type ContactsDeps, defaultCountryOf, iso, phoneAt } from './shared';

export const SUPPRESSION_SCOPES = ['marketing', 'all'] as const;
/** Sources a client may give through the API; STOP replies are recorded by the inbound module. */
export const SUPPRESSION_SOURCES = ['manual', 'import', 'bounce'] as const;

export interface SuppressionView {
  phone: string;
  scope: 'marketing' | 'all';
  reason: string | null;
  source: string;
  createdAt: string;
}

function view(row: SuppressionsTable): SuppressionView {
  return {
    phone: row.phone,
    scope: row.scope,
    reason: row.reason,
    source: row.source,
    createdAt: iso(row.created_at),
  };
}

/**
 * The suppression list: numbers that must not get marketing (`marketing`) or any (`all`) messages. The
 * messaging send path reads the same table. Audit events name the affected contacts by id, never the number.
 */
export function createSuppressions(deps: ContactsDeps) {
  const { db, clock, audit } = deps;

  async function contactIdsWith(tx: DbOrTx, accountId: string, phone: string): Promise<string[]> {
    const rows = await tx
      .selectFrom('contacts')
      .select('id')
      .where('account_id', '=', accountId)
      .where('phone', '=', phone)
      .where('deleted_at', 'is', null)
      .execute();
    return rows.map((r) => r.id);
  }

  return {
    async list(
      actor: ClientActor,
      page: { limit: number; cursor?: string | undefined },
    ): Promise<{ data: SuppressionView[]; nextCursor: string | null }> {
      let q = db
        .selectFrom('suppressions')
        .selectAll()
        .where('account_id', '=', actor.accountId)
        .orderBy('phone')
        .limit(page.limit);
      if (page.cursor) q = q.where('phone', '>', page.cursor);
      const rows = await q.execute();
      return {
        data: rows.map(view),
        nextCursor: rows.length === page.limit ? rows[rows.length - 1]!.phone : null,
      };
    },

    /** Adds a number, or changes its scope, reason and source when it is listed already. */
    async add(
      actor: ClientActor,
      input: {
        phone: string;
        scope?: 'marketing' | 'all' | undefined;
        reason?: string | undefined;
        source?: string | undefined;
      },
    ): Promise<SuppressionView> {
      const phone = phoneAt(input.phone, await defaultCountryOf(db, actor.accountId), '/body/phone').e164;
      return db.transaction().execute(async (tx) => {
        const row: SuppressionsTable = {
          account_id: actor.accountId,
          phone,
          scope: input.scope ?? 'all',
          reason: input.reason ?? null,
          source: input.source ?? 'manual',
          created_at: clock.now(),
        };
        await tx
          .insertInto('suppressions')
          .values(row)
          .onConflict((oc) =>
            oc
              .columns(['account_id', 'phone'])
              .doUpdateSet({ scope: row.scope, reason: row.reason, source: row.source }),
          )
          .execute();
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'suppression.added',
          data: {
            scope: row.scope,
            source: row.source,
            contactIds: await contactIdsWith(tx, actor.accountId, phone),
          },
        });
        const stored = await tx
          .selectFrom('suppressions')
          .selectAll()
          .where('account_id', '=', actor.accountId)
          .where('phone', '=', phone)
          .executeTakeFirstOrThrow();
        return view(stored);
      });
    },

    async remove(actor: ClientActor, rawPhone: string): Promise<void> {
      const phone = phoneAt(rawPhone, await defaultCountryOf(db, actor.accountId), '/querystring/phone').e164;
      await db.transaction().execute(async (tx) => {
        const r = await tx
          .deleteFrom('suppressions')
          .where('account_id', '=', actor.accountId)
          .where('phone', '=', phone)
          .executeTakeFirst();
        if (Number(r.numDeletedRows) === 0) throw new AppError('not_found', 'This number is not suppressed.');
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'suppression.removed',
          data: { contactIds: await contactIdsWith(tx, actor.accountId, phone) },
        });
      });
    },
  };
}

export type Suppressions = ReturnType<typeof createSuppressions>;
