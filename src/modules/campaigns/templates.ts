import { AppError } from '../../kernel/errors';
import type { DbOrTx } from '../../storage/database';
import type { TemplatesTable } from '../../storage/schema-campaigns';
import type { ClientActor } from '../accounts';
import { parseMessagingSettings } from '../accounts';
import { auditActorOf } from '../audit';
import { analyzeText } from '../codec';
import { type CampaignsDeps, checkTemplate, fieldKeysOf, iso } from './shared';
import { contactValues, renderTemplate, type TemplateValues } from './template';

export interface TemplateView {
  id: string;
  name: string;
  text: string;
  /** Placeholders the text uses. */
  placeholders: string[];
  createdAt: string;
  updatedAt: string;
}

function view(row: TemplatesTable): TemplateView {
  return {
    id: row.id,
    name: row.name,
    text: row.text,
    placeholders: checkTemplateKeys(row.text),
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
  };
}

function checkTemplateKeys(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/\{\{\s*(?:fields\.)?([a-z][a-z0-9_]*)\s*(?:\|[^}]*)?\}\}/g)) {
    if (!found.includes(m[1]!)) found.push(m[1]!);
  }
  return found;
}

async function ownTemplate(db: DbOrTx, accountId: string, id: string): Promise<TemplatesTable> {
  const row = await db
    .selectFrom('templates')
    .selectAll()
    .where('id', '=', id)
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', 'No such template.');
  return row;
}

/** Saved texts with placeholders, validated against the account's fields when saved. */
export function createTemplates(deps: Pick<CampaignsDeps, 'db' | 'clock' | 'ids' | 'audit'>) {
  const { db, clock, ids, audit } = deps;
  return {
    async create(actor: ClientActor, input: { name: string; text: string }): Promise<TemplateView> {
      return db.transaction().execute(async (tx) => {
        checkTemplate(input.text, await fieldKeysOf(tx, actor.accountId), '/body/text');
        const now = clock.now();
        const row: TemplatesTable = {
          id: ids('tpl'),
          account_id: actor.accountId,
          name: input.name,
          text: input.text,
          created_by: actor.id,
          created_at: now,
          updated_at: now,
        };
        await tx.insertInto('templates').values(row).execute();
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'template.created',
          target: { type: 'template', id: row.id },
        });
        return view(row);
      });
    },

    async list(
      actor: ClientActor,
      page: { limit: number; cursor?: string | undefined },
    ): Promise<TemplateView[]> {
      let q = db
        .selectFrom('templates')
        .selectAll()
        .where('account_id', '=', actor.accountId)
        .orderBy('id', 'desc')
        .limit(page.limit);
      if (page.cursor) q = q.where('id', '<', page.cursor);
      return (await q.execute()).map(view);
    },

    async get(actor: ClientActor, id: string): Promise<TemplateView> {
      return view(await ownTemplate(db, actor.accountId, id));
    },

    async update(
      actor: ClientActor,
      id: string,
      patch: { name?: string | undefined; text?: string | undefined },
    ) {
      return db.transaction().execute(async (tx) => {
        const row = await ownTemplate(tx, actor.accountId, id);
        if (patch.text !== undefined)
          checkTemplate(patch.text, await fieldKeysOf(tx, actor.accountId), '/body/text');
        const next = {
          ...row,
          name: patch.name ?? row.name,
          text: patch.text ?? row.text,
          updated_at: clock.now(),
        };
        await tx
          .updateTable('templates')
          .set({ name: next.name, text: next.text, updated_at: next.updated_at })
          .where('id', '=', id)
          .execute();
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'template.updated',
          target: { type: 'template', id },
          data: { fields: Object.keys(patch) },
        });
        return view(next);
      });
    },

    async remove(actor: ClientActor, id: string): Promise<void> {
      await db.transaction().execute(async (tx) => {
        await ownTemplate(tx, actor.accountId, id);
        await tx.deleteFrom('templates').where('id', '=', id).execute();
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'template.deleted',
          target: { type: 'template', id },
        });
      });
    },

    /**
     * Renders a template (given, or saved) against sample values and/or contacts of the account, plus a
     * rendering where every placeholder is empty (fallbacks only). Reports each rendering's encoding and
     * segments, and which is the longest.
     */
    async preview(
      actor: ClientActor,
      input: {
        text?: string | undefined;
        templateId?: string | undefined;
        samples?: TemplateValues[] | undefined;
        contactIds?: string[] | undefined;
      },
    ) {
      const text =
        input.text ??
        (input.templateId ? (await ownTemplate(db, actor.accountId, input.templateId)).text : undefined);
      if (text === undefined)
        throw new AppError('validation_failed', 'Give `text` or `templateId`.', {
          errors: [{ path: '/body/text', message: 'required unless templateId is given' }],
        });
      const parsed = checkTemplate(text, await fieldKeysOf(db, actor.accountId), '/body/text');
      const account = await db
        .selectFrom('accounts')
        .select('settings')
        .where('id', '=', actor.accountId)
        .executeTakeFirst();
      const settings = parseMessagingSettings(account?.settings);
      const sources: Array<{ source: string; values: TemplateValues }> = [
        { source: 'fallbacks', values: {} },
      ];
      for (const [i, values] of (input.samples ?? []).entries())
        sources.push({ source: `samples/${i}`, values });
      if (input.contactIds && input.contactIds.length > 0) {
        const contacts = await db
          .selectFrom('contacts')
          .select(['id', 'phone', 'first_name', 'last_name', 'email', 'country', 'fields'])
          .where('account_id', '=', actor.accountId)
          .where('id', 'in', input.contactIds)
          .where('deleted_at', 'is', null)
          .execute();
        const missing = input.contactIds.filter((id) => !contacts.some((c) => c.id === id));
        if (missing.length > 0) throw new AppError('not_found', `No such contact: ${missing.join(', ')}.`);
        for (const c of contacts) sources.push({ source: c.id, values: contactValues(c) });
      }
      const renderings = sources.map(({ source, values }) => {
        const rendered = renderTemplate(parsed, values);
        const analysis = analyzeText(rendered, { smartReplace: settings.smartEncoding });
        return {
          source,
          text: rendered,
          encoding: analysis.encoding,
          segments: analysis.segments,
          characters: analysis.characters,
        };
      });
      const longest = renderings.reduce((a, b) =>
        b.segments > a.segments || (b.segments === a.segments && b.characters > a.characters) ? b : a,
      );
      return { placeholders: parsed.keys, renderings, longest };
    },
  };
}

export type Templates = ReturnType<typeof createTemplates>;
