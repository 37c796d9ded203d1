import type { Readable } from 'node:stream';

/**
 * The port for stored files (import originals, attachments, avatars). Keys are opaque, chosen by the
 * caller (`imports/imp_…`, `attachments/att_…`); the store never interprets them. Local disk is the
 * embedded default; an S3-compatible store can implement the same four calls.
 */
export interface FileStore {
  /** Writes the stream under `key` and returns its size in bytes. The file appears only once complete. */
  put(key: string, body: Readable | Buffer): Promise<{ bytes: number }>;
  /** A stream of the stored bytes, or null when there is no such file. */
  get(key: string): Promise<Readable | null>;
  /** Deletes the file; deleting a missing file is not an error (sweeps may run twice). */
  delete(key: string): Promise<void>;
  exists(key: string): Promise<boolean>;
  /**
   * Where the stored file lies on this machine's disk, for a reader on another thread that should not
   * depend on this one to hand it the bytes; null when the file is missing. Stores without local files
   * leave it out, and such readers then read through `get` on the caller's thread.
   */
  localPath?(key: string): Promise<string | null>;
}
