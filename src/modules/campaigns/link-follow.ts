/**
 * Following a short link (the public `/l/` redirect and `/a/` attachment routes): finding the live link of
 * a code, and recording each click.
 */
import type { Clock } from '../../kernel/clock';
import { AppError } from '../../kernel/errors';
import type { IdGenerator } from '../../kernel/ids';
import type { Db, Tx } from '../../storage/database';
import type { GroupCommit } from '../../storage/group-commit';
import type { AttachmentsTable } from '../../storage/schema-links';
import { parseMessagingSettings } from '../accounts';
import { CODE_PATTERN } from './link-codes';
import { userAgentFamily } from './user-agent';

export type LinkKind = 'redirect' | 'attachment';

export interface FollowedLink {
  code: string;
  accountId: string;
  campaignId: string | null;
  targetUrl: string | null;
  attachment: Pick<AttachmentsTable, 'id' | 'file_key' | 'name' | 'content_type' | 'bytes'> | null;
}

/** What the links module needs; following a link (recording its click) is the part that needs all of it. */
export interface LinksDeps {
  db: Db;
  clock: Clock;
  ids: IdGenerator;
  /** Shares one commit between clicks that arrive together (SQLite). */
  groupCommit?: GroupCommit;
}

export function createLinkFollowing(deps: LinksDeps) {
  const { db, clock, ids } = deps;
  // Clicks arrive in bursts after a campaign goes out: sharing one commit (one fsync) between the clicks
  // that arrive together keeps redirects fast on SQLite.
  const write = <T>(work: (tx: Tx) => Promise<T>): Promise<T> =>
    deps.groupCommit ? deps.groupCommit.run(work) : db.transaction().execute(work);
  return {
    /**
     * The live link of this kind with this code. Unknown codes (and codes of the other kind) are
     * `not_found`; expired or deleted links, and links whose file has gone, are `link_expired`.
     */
    async resolve(code: string, kind: LinkKind): Promise<FollowedLink> {
      if (!CODE_PATTERN.test(code)) throw new AppError('not_found', 'No such link.');
      const row = await db
        .selectFrom('links')
        .leftJoin('attachments', 'attachments.id', 'links.attachment_id')
        .leftJoin('accounts', 'accounts.id', 'links.account_id')
        .select([
          'accounts.settings as account_settings',
          'links.code',
          'links.account_id',
          'links.campaign_id',
          'links.target_url',
          'links.attachment_id',
          'links.expires_at',
          'links.deleted_at',
          'attachments.file_key',
          'attachments.name',
          'attachments.content_type',
          'attachments.bytes',
          'attachments.expires_at as file_expires_at',
          'attachments.deleted_at as file_deleted_at',
        ])
        .where('links.code', '=', code)
        .executeTakeFirst();
      if (!row || (kind === 'attachment') !== (row.attachment_id !== null)) {
        throw new AppError('not_found', 'No such link.');
      }
      const now = clock.now();
      const expired = (at: number | null) => at !== null && Number(at) <= now;
      if (row.deleted_at !== null || expired(row.expires_at)) {
        throw new AppError('link_expired', 'This link has expired.');
      }
      // The operator turned the account's tracked links off (abuse of the platform's domain): its redirects
      // stop at once. Attachments are the platform's own files and keep being served.
      if (row.attachment_id === null && !parseMessagingSettings(row.account_settings).trackedLinks) {
        throw new AppError('link_expired', 'This link has been turned off.');
      }
      if (
        row.attachment_id !== null &&
        (row.file_key === null || row.file_deleted_at !== null || expired(row.file_expires_at))
      ) {
        throw new AppError('link_expired', 'The file of this link has been deleted.');
      }
      return {
        code: row.code,
        accountId: row.account_id,
        campaignId: row.campaign_id,
        targetUrl: row.target_url,
        attachment:
          row.attachment_id !== null
            ? {
                id: row.attachment_id,
                file_key: row.file_key!,
                name: row.name!,
                content_type: row.content_type!,
                bytes: Number(row.bytes),
              }
            : null,
      };
    },

    /**
     * Records a click: its time, campaign and user-agent family. The first human click of a link is its
     * unique click, decided by one conditional update so two simultaneous first clicks count once. Bots
     * (link previews) count as clicks but never as the unique one.
     */
    async recordClick(
      link: FollowedLink,
      userAgent: string | null | undefined,
    ): Promise<{ isFirst: boolean }> {
      const family = userAgentFamily(userAgent);
      const now = clock.now();
      return write(async (tx) => {
        let isFirst = false;
        if (family !== 'bot') {
          const updated = await tx
            .updateTable('links')
            .set({ first_clicked_at: now })
            .where('code', '=', link.code)
            .where('first_clicked_at', 'is', null)
            .executeTakeFirst();
          isFirst = Number(updated.numUpdatedRows) === 1;
        }
        await tx
          .insertInto('link_clicks')
          .values({
            id: ids('clk'),
            code: link.code,
            account_id: link.accountId,
            campaign_id: link.campaignId,
            clicked_at: now,
            ua_family: family,
            is_first: isFirst ? 1 : 0,
          })
          .execute();
        return { isFirst };
      });
    },
  };
}
