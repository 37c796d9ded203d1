import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FileStore } from '../../kernel/file-store';

const KEY = /^[a-z0-9_-]+(\/[a-zA-Z0-9_.-]+)*$/;

/**
 * Files under one directory (`DATA_DIR/files` by default). A write goes to a temporary name and is
 * renamed when complete, so a crash never leaves a half file under the real key.
 */
export function createLocalFileStore(root: string): FileStore & { root: string } {
  const base = resolve(root);
  const pathOf = (key: string) => {
    if (!KEY.test(key) || key.includes('..')) throw new Error(`invalid file key: ${key}`);
    const path = resolve(join(base, key));
    if (!path.startsWith(base + sep)) throw new Error(`invalid file key: ${key}`);
    return path;
  };
  return {
    root: base,
    async put(key, body) {
      const path = pathOf(key);
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      const temp = `${path}.${process.pid}.${Date.now()}.part`;
      const source = Buffer.isBuffer(body) ? Readable.from([body]) : body;
      try {
        await pipeline(source, createWriteStream(temp, { mode: 0o600 }));
        await rename(temp, path);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
      return { bytes: (await stat(path)).size };
    },
    async get(key) {
      const path = pathOf(key);
      try {
        await stat(path);
      } catch {
        return null;
      }
      return createReadStream(path);
    },
    async localPath(key) {
      const path = pathOf(key);
      try {
        await stat(path);
        return path;
      } catch {
        return null;
      }
    },
    async delete(key) {
      await rm(pathOf(key), { force: true });
    },
    async exists(key) {
      try {
        await stat(pathOf(key));
        return true;
      } catch {
        return false;
      }
    },
  };
}
