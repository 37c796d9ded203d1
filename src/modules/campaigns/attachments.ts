import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Clock } from '../../kernel/clock';
import { AppError } from '../../kernel/errors';
import type { FileStore } from '../../kernel/file-store';
import type { IdGenerator } from '../../kernel/ids';
import type { Db } from '../../storage/database';
import type { GroupCommit } from '../../storage/group-commit';
import type { AttachmentsTable } from '../../storage/schema-links';
import type { ClientActor } from '../accounts';
import type { AuditLog } from '../audit';
import { auditActorOf } from '../audit';
import { sanitizeFileName, sniffContentType } from './content-type';
import { createLinkIssuer } from './link-issuer';
import { createLinkStats } from './link-stats';
import { createLinks, type Links } from './links';

/** Attachments are kept this long by default, and never longer unless the operator says so explicitly. */
export const ATTACHMENT_RETENTION_DAYS = 60;

export interface AttachmentsDeps {
  db: Db;
  clock: Clock;
  ids: IdGenerator;
  files: FileStore;
  audit: AuditLog;
  links: Links;
  settings: { retentionMs: number };
}

export interface AttachmentView {
  id: string;
  name: string;
  contentType: string;
  bytes: number;
  sha256: string;
  createdAt: string;
  expiresAt: string;
}

const iso = (ms: number) => new Date(Number(ms)).toISOString();
const view = (row: AttachmentsTable): AttachmentView => ({
  id: row.id,
  name: row.name,
  contentType: row.content_type,
  bytes: Number(row.bytes),
  sha256: row.sha256,
  createdAt: iso(row.created_at),
  expiresAt: iso(row.expires_at),
});

const SWEEP_BATCH = 200;

/**
 * Files for campaigns (images, PDF): uploaded once, served per recipient through `/a/<code>` links,
 * deleted by the sweep when their retention ends (then their links answer 410).
 */
export function createAttachments(deps: AttachmentsDeps) {
  const { db, clock, ids, files, audit, links } = deps;

  async function live(accountId: string, id: string): Promise<AttachmentsTable> {
    const row = await db
      .selectFrom('attachments')
      .selectAll()
      .where('id', '=', id)
      .where('account_id', '=', accountId)
      .where('deleted_at', 'is', null)
      .where('expires_at', '>', clock.now())
      .executeTakeFirst();
    if (!row) throw new AppError('not_found', 'No such attachment.');
    return row;
  }

  return {
    /**
     * Stores an uploaded file. Its type is sniffed from the bytes (JPEG, PNG, GIF, WEBP, PDF); anything
     * else is `unsupported_file_type` and nothing is stored. The file is written first and removed again
     * if the row cannot be, so no half state survives.
     */
    async upload(
      actor: ClientActor,
      input: { name: string | undefined; bytes: Buffer },
    ): Promise<AttachmentView> {
      if (input.bytes.length === 0) {
        throw new AppError('validation_failed', 'The file is empty.', {
          errors: [{ path: '/body/file', message: 'empty file' }],
        });
      }
      const type = sniffContentType(input.bytes);
      if (!type) {
        throw new AppError(
          'unsupported_file_type',
          'Only JPEG, PNG, GIF, WEBP images and PDF documents can be attached (the type is read from the content).',
        );
      }
      const id = ids('att');
      const now = clock.now();
      const row: AttachmentsTable = {
        id,
        account_id: actor.accountId,
        file_key: `attachments/${id}`,
        name: sanitizeFileName(input.name, type),
        content_type: type,
        bytes: input.bytes.length,
        sha256: createHash('sha256').update(input.bytes).digest('hex'),
        created_by: actor.id,
        created_at: now,
        expires_at: now + deps.settings.retentionMs,
        deleted_at: null,
      };
      await files.put(row.file_key, input.bytes);
      try {
        await db.transaction().execute(async (tx) => {
          await tx.insertInto('attachments').values(row).execute();
          await audit.record(tx, {
            accountId: actor.accountId,
            actor: auditActorOf(actor),
            action: 'attachment.uploaded',
            target: { type: 'attachment', id },
            data: { contentType: type, bytes: row.bytes },
          });
        });
      } catch (error) {
        await files.delete(row.file_key);
        throw error;
      }
      return view(row);
    },

    /** The account's live attachments, newest first. */
    async list(
      actor: ClientActor,
      query: { limit: number; cursor?: string | undefined },
    ): Promise<AttachmentView[]> {
      let q = db
        .selectFrom('attachments')
        .selectAll()
        .where('account_id', '=', actor.accountId)
        .where('deleted_at', 'is', null)
        .where('expires_at', '>', clock.now())
        .orderBy('id', 'desc')
        .limit(query.limit);
      if (query.cursor) q = q.where('id', '<', query.cursor);
      return (await q.execute()).map(view);
    },

    async get(actor: ClientActor, id: string): Promise<AttachmentView> {
      return view(await live(actor.accountId, id));
    },

    /** Deletes the file now; its links answer 410 from then on. */
    async remove(actor: ClientActor, id: string): Promise<void> {
      const row = await live(actor.accountId, id);
      // File first: if the row update failed, the link would find no file and still answer 410.
      await files.delete(row.file_key);
      const now = clock.now();
      await db.transaction().execute(async (tx) => {
        await tx
          .updateTable('attachments')
          .set({ deleted_at: now })
          .where('id', '=', id)
          .where('deleted_at', 'is', null)
          .execute();
        await tx
          .updateTable('links')
          .set({ deleted_at: now })
          .where('attachment_id', '=', id)
          .where('deleted_at', 'is', null)
          .execute();
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'attachment.deleted',
          target: { type: 'attachment', id },
        });
      });
    },

    /**
     * Deletes the files of attachments whose retention ended at `now`, marks them and their links deleted,
     * in batches; returns how many. Safe to run twice (deleting a missing file is not an error).
     */
    /**
     * Deletes the files of attachments that expired, or (when the operator lowered the retention period
     * below the one they were uploaded with) that were uploaded before `uploadedBefore`.
     */
    async sweepAttachments(now: number = clock.now(), uploadedBefore?: number): Promise<number> {
      let done = 0;
      for (;;) {
        const batch = await db
          .selectFrom('attachments')
          .select(['id', 'file_key'])
          .where('deleted_at', 'is', null)
          .where((eb) =>
            uploadedBefore === undefined
              ? eb('expires_at', '<=', now)
              : eb.or([eb('expires_at', '<=', now), eb('created_at', '<', uploadedBefore)]),
          )
          .orderBy('expires_at')
          .limit(SWEEP_BATCH)
          .execute();
        if (batch.length === 0) return done;
        for (const row of batch) await files.delete(row.file_key);
        const idsOf = batch.map((b) => b.id);
        await db.transaction().execute(async (tx) => {
          await tx
            .updateTable('attachments')
            .set({ deleted_at: now })
            .where('id', 'in', idsOf)
            .where('deleted_at', 'is', null)
            .execute();
          await tx
            .updateTable('links')
            .set({ deleted_at: now })
            .where('attachment_id', 'in', idsOf)
            .where('deleted_at', 'is', null)
            .execute();
        });
        done += batch.length;
        if (batch.length < SWEEP_BATCH) return done;
      }
    },

    /**
     * Opens the file behind an attachment link and records the click (`record` false for HEAD). A file
     * missing from the store answers 410 like a deleted one.
     */
    async openLink(
      code: string,
      options: { userAgent: string | null | undefined; record: boolean },
    ): Promise<{ stream: Readable; name: string; contentType: string; bytes: number }> {
      const link = await links.resolve(code, 'attachment');
      const attachment = link.attachment!;
      const stream = await files.get(attachment.file_key);
      if (!stream) throw new AppError('link_expired', 'The file of this link has been deleted.');
      if (options.record) {
        try {
          await links.recordClick(link, options.userAgent);
        } catch (error) {
          stream.destroy();
          throw error;
        }
      }
      return {
        stream,
        name: attachment.name,
        contentType: attachment.content_type,
        bytes: Number(attachment.bytes),
      };
    },
  };
}

export type Attachments = ReturnType<typeof createAttachments>;

/**
 * Short links and attachments together, as the composition root wires them: `issuer` for the campaign
 * fan-out, `stats` for campaign statistics, `sweep` for the retention engine and the background loop.
 */
export function createCampaignFiles(deps: {
  db: Db;
  clock: Clock;
  ids: IdGenerator;
  files: FileStore;
  audit: AuditLog;
  /** Shared with sends: clicks that arrive together are committed together. */
  groupCommit?: GroupCommit;
  settings: { publicUrl: string; filesOrigin?: string | null; maxBytes: number; retentionMs: number };
}) {
  const { db, clock, ids, settings } = deps;
  const links = createLinks({ db, clock, ids, groupCommit: deps.groupCommit });
  const attachments = createAttachments({ ...deps, links, settings: { retentionMs: settings.retentionMs } });
  return {
    links,
    attachments,
    issuer: createLinkIssuer({ clock, ids, publicUrl: settings.publicUrl, filesUrl: settings.filesOrigin }),
    /**
     * The host (`name[:port]`) of the separate files origin, or null: files are shown inline only when
     * asked for through it, and downloaded everywhere else.
     */
    filesHost: settings.filesOrigin ? new URL(settings.filesOrigin).host : null,
    stats: createLinkStats({ db }),
    maxBytes: settings.maxBytes,
    /** Both sweeps at `now`: expired attachment files (and their links), then expired links. */
    async sweep(now: number = clock.now()): Promise<{ attachments: number; links: number }> {
      const swept = await attachments.sweepAttachments(now);
      return { attachments: swept, links: await links.sweepLinks(now) };
    },
    /**
     * Erases everything of an account here (closure purge): attachment files first, then the rows of
     * attachments, links and clicks. Safe to repeat. Returns how many rows of each went.
     */
    async purgeAccount(accountId: string): Promise<{ attachments: number; links: number; clicks: number }> {
      const stored = await db
        .selectFrom('attachments')
        .select('file_key')
        .where('account_id', '=', accountId)
        .execute();
      for (const row of stored) await deps.files.delete(row.file_key);
      return db.transaction().execute(async (tx) => {
        const clicks = await tx
          .deleteFrom('link_clicks')
          .where('account_id', '=', accountId)
          .executeTakeFirst();
        const gone = await tx.deleteFrom('links').where('account_id', '=', accountId).executeTakeFirst();
        const files = await tx
          .deleteFrom('attachments')
          .where('account_id', '=', accountId)
          .executeTakeFirst();
        return {
          attachments: Number(files.numDeletedRows),
          links: Number(gone.numDeletedRows),
          clicks: Number(clicks.numDeletedRows),
        };
      });
    },
  };
}

export type CampaignFiles = ReturnType<typeof createCampaignFiles>;
