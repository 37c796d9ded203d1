import { KNOWN_FILE_TYPES, type KnownFileType, sniffFileType } from '../../kernel/file-type';

/** The file types an attachment may have: images a phone shows inline, and PDF. */
export const ATTACHMENT_TYPES = KNOWN_FILE_TYPES;
export type AttachmentType = KnownFileType;

/** An attachment's type by its first bytes only (see sniffFileType). */
export const sniffContentType = sniffFileType;

const EXTENSION: Record<AttachmentType, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'application/pdf': 'pdf',
};

/**
 * A file name safe to keep and to put in a Content-Disposition header: no path, no control characters,
 * no quotes or backslashes, at most 120 characters; `file.<ext>` when nothing usable is left.
 */
export function sanitizeFileName(name: string | undefined, type: AttachmentType): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  const clean = base
    .normalize('NFC')
    .replace(/[\u0000-\u001f\u007f-\u009f"\\;]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\.+/, '');
  const short = [...clean].slice(0, 120).join('');
  return short.length > 0 ? short : `file.${EXTENSION[type]}`;
}

/**
 * `inline; filename="ascii fallback"; filename*=UTF-8''percent-encoded` (RFC 6266); `attachment` makes
 * browsers save the file instead of showing it.
 */
export function contentDisposition(name: string, kind: 'inline' | 'attachment' = 'inline'): string {
  const fallback = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\%]/g, '_');
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
