/** Issuing short links: per recipient of a fan-out batch, a code for each URL of its text, or for the attachment. */
import type { Clock } from '../../kernel/clock';
import { AppError } from '../../kernel/errors';
import type { IdGenerator } from '../../kernel/ids';
import type { DbOrTx } from '../../storage/database';
import { newCodes } from './link-codes';
import { insertLinks, type NewLink } from './link-store';
import { linkTarget } from './link-urls';

export interface LinkRecipient {
  messageId: string;
  contactId: string | null;
}

/** Issues per-recipient short links; called by the campaign fan-out inside its transaction. */
export interface LinkIssuer {
  /**
   * Per recipient, the short URL (`publicUrl/l/<code>`) of each of its URLs, in order. One multi-row
   * insert per batch. `expiresAt` (the campaign's retention; null or absent: no expiry) applies to all.
   */
  issueBatch(
    tx: DbOrTx,
    input: {
      accountId: string;
      campaignId: string | null;
      recipients: Array<LinkRecipient & { urls: string[] }>;
      expiresAt?: number | null;
    },
  ): Promise<Array<string[]>>;
  /**
   * Per recipient, a short URL (`publicUrl/a/<code>`) serving the attachment. The attachment must be a
   * live one of the account (else `not_found`); the links expire with it at the latest.
   */
  issueAttachmentLinks(
    tx: DbOrTx,
    input: {
      accountId: string;
      campaignId: string | null;
      attachmentId: string;
      recipients: LinkRecipient[];
      expiresAt?: number | null;
    },
  ): Promise<string[]>;
}

export function createLinkIssuer(deps: {
  clock: Clock;
  ids: IdGenerator;
  publicUrl: string;
  /** Origin of attachment links (`FILES_ORIGIN`); default `publicUrl`. */
  filesUrl?: string | null | undefined;
}): LinkIssuer {
  const base = deps.publicUrl.replace(/\/$/, '');
  const filesBase = (deps.filesUrl ?? deps.publicUrl).replace(/\/$/, '');
  return {
    async issueBatch(tx, input) {
      const now = deps.clock.now();
      const count = input.recipients.reduce((n, r) => n + r.urls.length, 0);
      const codes = newCodes(count);
      const rows: NewLink[] = new Array(count);
      let k = 0;
      for (const r of input.recipients) {
        for (const url of r.urls) {
          rows[k] = {
            code: codes[k]!,
            account_id: input.accountId,
            campaign_id: input.campaignId,
            message_id: r.messageId,
            contact_id: r.contactId,
            target_url: linkTarget(url),
            attachment_id: null,
            created_at: now,
            expires_at: input.expiresAt ?? null,
          };
          k++;
        }
      }
      await insertLinks(tx, rows);
      k = 0;
      return input.recipients.map((r) => r.urls.map(() => `${base}/l/${rows[k++]!.code}`));
    },

    async issueAttachmentLinks(tx, input) {
      const now = deps.clock.now();
      const attachment = await tx
        .selectFrom('attachments')
        .select(['id', 'expires_at'])
        .where('id', '=', input.attachmentId)
        .where('account_id', '=', input.accountId)
        .where('deleted_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      if (!attachment) throw new AppError('not_found', 'No such attachment (or it has expired).');
      const fileExpiry = Number(attachment.expires_at);
      const expiresAt = input.expiresAt == null ? fileExpiry : Math.min(input.expiresAt, fileExpiry);
      const codes = newCodes(input.recipients.length);
      const rows: NewLink[] = input.recipients.map((r, i) => ({
        code: codes[i]!,
        account_id: input.accountId,
        campaign_id: input.campaignId,
        message_id: r.messageId,
        contact_id: r.contactId,
        target_url: null,
        attachment_id: attachment.id,
        created_at: now,
        expires_at: expiresAt,
      }));
      await insertLinks(tx, rows);
      return rows.map((r) => `${filesBase}/a/${r.code}`);
    },
  };
}
