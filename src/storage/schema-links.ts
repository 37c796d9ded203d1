/** Row types of short links, their clicks and attachments (see migrations/0010_links.ts). */

/**
 * One short link of one recipient: `/l/<code>` redirects to `target_url`, `/a/<code>` serves the
 * attachment. The code is the primary key, so a collision is refused by the database itself.
 */
export interface LinksTable {
  /** 8 characters base62 from a CSPRNG. */
  code: string;
  account_id: string;
  campaign_id: string | null;
  message_id: string;
  contact_id: string | null;
  /** Where `/l/<code>` redirects; null for an attachment link. */
  target_url: string | null;
  /** The attachment `/a/<code>` serves; null for a redirect link. */
  attachment_id: string | null;
  created_at: number;
  /** Null: no expiry; the campaign's retention sets it. */
  expires_at: number | null;
  /** Set by the link sweep (expired) or when the attachment went. */
  deleted_at: number | null;
  /** The first click by a human (not a bot): makes the unique-click count a single atomic update. */
  first_clicked_at: number | null;
}

/** One click on a short link. Never the full user agent nor the IP: only a coarse browser family. */
export interface LinkClicksTable {
  id: string;
  code: string;
  account_id: string;
  campaign_id: string | null;
  clicked_at: number;
  /** `Chrome`, `Safari`, `Firefox`, `Samsung Internet`, `Edge`, `Opera`, `bot` or `other`. */
  ua_family: string;
  /** 1 for the first human click of the link (the unique click), else 0. */
  is_first: number;
}

/** A file uploaded for campaigns. Its bytes live in the FileStore under `file_key`. */
export interface AttachmentsTable {
  id: string;
  account_id: string;
  file_key: string;
  /** The uploaded file name, sanitised. */
  name: string;
  /** Sniffed from the bytes, never taken from the name or the request. */
  content_type: string;
  bytes: number;
  /** Hex SHA-256 of the bytes. */
  sha256: string;
  created_by: string | null;
  created_at: number;
  /** created_at + retention (at most 60 days by default); the sweep deletes the file then. */
  expires_at: number;
  deleted_at: number | null;
}

export interface LinksTables {
  links: LinksTable;
  link_clicks: LinkClicksTable;
  attachments: AttachmentsTable;
}
