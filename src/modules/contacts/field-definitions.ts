import { AppError } from '../../kernel/errors';
import type { ContactFieldsTable } from '../../storage/schema-contacts';
import { isUniqueViolation } from '../../storage/unique-violation';
import type { ClientActor } from '../accounts';
import { auditActorOf } from '../audit';
import { type FieldDefinitionView, type FieldType, fieldView } from './fields';
import type { ContactsDeps } from './shared';

/** Most custom fields one account may define. */
export const MAX_FIELDS_PER_ACCOUNT = 100;

/** Per-account custom field definitions: the types that contact `fields` values are checked against. */
const duplicateField = (key: string) =>
  new AppError('conflict', `A custom field "${key}" already exists.`, {
    errors: [{ path: '/body/key', message: 'already defined' }],
  });

export function createFieldDefinitions(deps: ContactsDeps) {
  const { db, clock, audit } = deps;
  return {
    async list(actor: ClientActor): Promise<FieldDefinitionView[]> {
      const rows = await db
        .selectFrom('contact_fields')
        .selectAll()
        .where('account_id', '=', actor.accountId)
        .orderBy('key')
        .execute();
      return rows.map(fieldView);
    },

    async create(
      actor: ClientActor,
      input: { key: string; label: string; type: FieldType },
    ): Promise<FieldDefinitionView> {
      return db.transaction().execute(async (tx) => {
        const existing = await tx
          .selectFrom('contact_fields')
          .select('key')
          .where('account_id', '=', actor.accountId)
          .execute();
        if (existing.some((r) => r.key === input.key)) throw duplicateField(input.key);
        if (existing.length >= MAX_FIELDS_PER_ACCOUNT) {
          throw new AppError(
            'conflict',
            `An account may define at most ${MAX_FIELDS_PER_ACCOUNT} custom fields.`,
          );
        }
        const row: ContactFieldsTable = {
          account_id: actor.accountId,
          key: input.key,
          label: input.label,
          type: input.type,
          created_at: clock.now(),
        };
        await tx
          .insertInto('contact_fields')
          .values(row)
          .execute()
          .catch((error: unknown) => {
            if (isUniqueViolation(error)) throw duplicateField(input.key);
            throw error;
          });
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'contact_field.created',
          target: { type: 'contact_field', id: input.key },
          data: { type: input.type },
        });
        return fieldView(row);
      });
    },
  };
}

export type FieldDefinitions = ReturnType<typeof createFieldDefinitions>;
