import { createInterface } from 'node:readline';
import { type Expression, type SqlBool, sql } from 'kysely';
import type { Clock } from '../../kernel/clock';
import type { FileStore } from '../../kernel/file-store';
import type { Db, DbOrTx } from '../../storage/database';

/** What identifies a data subject in import files and reports (all lower case). */
export interface ImportSubject {
  /** Numbers in E.164. */
  phones: string[];
  /** National significant numbers (digits only), found inside any written form of the number. */
  nationals: string[];
  emails: string[];
}

/** `%…%` LIKE pattern matching `value` literally (`\` escapes the wildcards). */
export const likeLiteral = (value: string) => `%${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** SQL: the lower-cased column contains one of the needles (literally). */
export function mentionsAny(column: string, needles: string[]): Expression<SqlBool> {
  const parts = needles.map(
    (n) => sql<SqlBool>`lower(${sql.ref(column)}) like ${likeLiteral(n)} escape '\\'`,
  );
  return parts.length === 0 ? sql<SqlBool>`1 = 0` : sql<SqlBool>`(${sql.join(parts, sql` or `)})`;
}

/**
 * SQL: the column, without the characters people write inside phone numbers (space, -, (, ), ., /),
 * contains one of the national numbers: a refused row's cells hold the number as it was written.
 */
export function mentionsNumber(column: string, nationals: string[]): Expression<SqlBool> {
  let bare: Expression<string> = sql<string>`${sql.ref(column)}`;
  for (const c of [' ', '-', '(', ')', '.', '/']) bare = sql<string>`replace(${bare}, ${c}, '')`;
  const parts = nationals.map((n) => sql<SqlBool>`${bare} like ${likeLiteral(n)} escape '\\'`);
  return parts.length === 0 ? sql<SqlBool>`1 = 0` : sql<SqlBool>`(${sql.join(parts, sql` or `)})`;
}

/** True when a line of a CSV file names the subject: an e-mail, or a number however it is written. */
function lineNames(line: string, subject: ImportSubject): boolean {
  const lower = line.toLowerCase();
  if (subject.emails.some((e) => lower.includes(e))) return true;
  // Digits only: "+371 2123-4567", "0037121234567" and "21234567" all contain the national number. Digits
  // of neighbouring cells may join into a false match: that only deletes a file a little early.
  const digits = line.replace(/\D+/g, '');
  return subject.nationals.some((n) => digits.includes(n));
}

/**
 * Erasure of a data subject from contact imports: the error reports quote cells of the file (numbers,
 * e-mails), and the stored original holds the person's rows. The contacts module owns those tables and
 * files; the compliance module calls this when it erases a person.
 */
export function createImportErasure(deps: { db: Db; clock: Clock; files: FileStore }) {
  const { db, clock, files } = deps;

  /** Whether a stored CSV original holds a line naming the subject (read as a stream, line by line). */
  async function fileNames(key: string, subject: ImportSubject): Promise<boolean> {
    const stream = await files.get(key);
    if (!stream) return false;
    const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
    try {
      for await (const line of lines) if (lineNames(line, subject)) return true;
      return false;
    } finally {
      lines.close();
      stream.destroy();
    }
  }

  return {
    /**
     * Deletes the stored originals of the account's finished imports that may hold the subject: a CSV that
     * has a line naming them, and every XLSX (compressed: it cannot be searched as text, and is not needed
     * once its import has ended). The contacts imported stay; `originalDeletedAt` tells when. Imports still
     * queued or running keep their file. Returns how many files were deleted.
     */
    async eraseOriginals(accountId: string, subject: ImportSubject): Promise<number> {
      const rows = await db
        .selectFrom('imports')
        .select(['id', 'file_key', 'format'])
        .where('account_id', '=', accountId)
        .where('original_deleted_at', 'is', null)
        .where('status', 'not in', ['queued', 'running'])
        .execute();
      let deleted = 0;
      for (const row of rows) {
        if (row.format !== 'xlsx' && !(await fileNames(row.file_key, subject))) continue;
        await files.delete(row.file_key);
        await db
          .updateTable('imports')
          .set({ original_deleted_at: clock.now() })
          .where('id', '=', row.id)
          .execute();
        deleted++;
      }
      return deleted;
    },

    /**
     * Deletes the account's import-report rows that quote the subject (in the message or the refused row's
     * cells), in the caller's transaction.
     */
    async eraseErrors(tx: DbOrTx, accountId: string, subject: ImportSubject): Promise<number> {
      const needles = [...subject.phones, ...subject.nationals, ...subject.emails];
      if (needles.length === 0) return 0;
      const result = await tx
        .deleteFrom('import_errors')
        .where('import_id', 'in', tx.selectFrom('imports').select('id').where('account_id', '=', accountId))
        .where((eb) =>
          eb.or([
            mentionsAny('message', needles),
            mentionsAny('cells', needles),
            mentionsNumber('cells', subject.nationals),
          ]),
        )
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type ImportErasure = ReturnType<typeof createImportErasure>;
