/** Gives a reader thread the stored upload as a file on this machine's disk (a copy when the store has none). */
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FileStore } from '../../kernel/file-store';

/**
 * The stored file as a path on this machine's disk, for a reader thread: where the store keeps it,
 * or else a copy in the read's private folder. Null when the file is no longer stored.
 */
export async function localFile(files: FileStore, key: string, dir: string): Promise<string | null> {
  const local = files.localPath ? await files.localPath(key) : undefined;
  if (local !== undefined) return local;
  const stream = await files.get(key);
  if (!stream) return null;
  const copy = join(dir, 'upload');
  await pipeline(stream, createWriteStream(copy));
  return copy;
}
