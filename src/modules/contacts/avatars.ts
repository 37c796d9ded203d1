import type { Readable } from 'node:stream';
import { AppError } from '../../kernel/errors';
import type { FileStore } from '../../kernel/file-store';
import { sniffFileType } from '../../kernel/file-type';
import type { ClientActor } from '../accounts';
import { auditActorOf } from '../audit';
import { type AvatarImages, normaliseAvatar } from './avatar-image';
import type { ContactsDeps } from './shared';

/** Largest avatar upload accepted. Only the resized image is stored, never the upload itself. */
export const AVATAR_MAX_BYTES = 5 * 1024 * 1024;

export type AvatarType = 'image/jpeg' | 'image/png' | 'image/gif' | 'image/webp';

/** The image type of a file from its first bytes, or null: the name and declared type are not trusted. */
export function avatarTypeOf(bytes: Uint8Array): AvatarType | null {
  const type = sniffFileType(bytes);
  return type === 'application/pdf' ? null : type;
}

/** Where a contact's uploaded avatar is served; stored as its `avatarUrl`. */
export const avatarPath = (contactId: string) => `/v1/contacts/${contactId}/avatar`;
const keyOf = (contactId: string) => `avatars/${contactId}`;

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

/**
 * Contact avatars uploaded as files: checked by content (JPEG, PNG, GIF, WEBP), resized to a 256×256
 * WEBP without metadata (see normaliseAvatar), stored through the FileStore under
 * `avatars/<contact id>` (the upload itself never is), served by the API. The contact's `avatarUrl` then points at
 * the API path; setting another `avatarUrl` (an external image) makes the stored file unused.
 */
export function createAvatars(deps: ContactsDeps & { files: FileStore; avatarImages: AvatarImages }) {
  const { db, clock, audit, files, avatarImages } = deps;

  async function liveContact(accountId: string, id: string) {
    const row = await db
      .selectFrom('contacts')
      .select(['id', 'avatar_url'])
      .where('id', '=', id)
      .where('account_id', '=', accountId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (!row) throw new AppError('not_found', 'No such contact.');
    return row;
  }

  return {
    /** 404 unless the contact is one of the actor's live contacts (checked before reading an upload). */
    async assertContact(actor: ClientActor, contactId: string): Promise<void> {
      await liveContact(actor.accountId, contactId);
    },

    /** Stores the resized image and points the contact's avatarUrl at it; nothing is stored on refusal. */
    async set(
      actor: ClientActor,
      contactId: string,
      bytes: Buffer,
    ): Promise<{ avatarUrl: string; contentType: AvatarType; bytes: number }> {
      await liveContact(actor.accountId, contactId);
      if (bytes.length > AVATAR_MAX_BYTES) {
        throw new AppError(
          'payload_too_large',
          `An avatar may be at most ${AVATAR_MAX_BYTES / (1024 * 1024)} MiB.`,
        );
      }
      const type = avatarTypeOf(bytes);
      if (!type) {
        throw new AppError(
          'unsupported_file_type',
          'An avatar must be a JPEG, PNG, GIF or WEBP image (judged by its content).',
        );
      }
      const image = await normaliseAvatar(avatarImages, bytes);
      const contentType = 'image/webp';
      await files.put(keyOf(contactId), image);
      const avatarUrl = avatarPath(contactId);
      await db.transaction().execute(async (tx) => {
        await tx
          .updateTable('contacts')
          .set({ avatar_url: avatarUrl, updated_at: clock.now() })
          .where('id', '=', contactId)
          .where('account_id', '=', actor.accountId)
          .execute();
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'contact.avatar_set',
          target: { type: 'contact', id: contactId },
          data: { contentType, bytes: image.length, uploaded: { contentType: type, bytes: bytes.length } },
        });
      });
      return { avatarUrl, contentType, bytes: image.length };
    },

    /**
     * The stored image of a live contact whose avatarUrl is the uploaded one; 404 otherwise. Its type is
     * read from its bytes: WEBP, or the original type of an avatar stored before resizing was added.
     */
    async get(actor: ClientActor, contactId: string): Promise<{ contentType: AvatarType; body: Buffer }> {
      const row = await liveContact(actor.accountId, contactId);
      const stream = row.avatar_url === avatarPath(contactId) ? await files.get(keyOf(contactId)) : null;
      if (!stream) throw new AppError('not_found', 'The contact has no uploaded avatar.');
      const body = await readAll(stream);
      const contentType = avatarTypeOf(body);
      if (!contentType) throw new AppError('not_found', 'The contact has no uploaded avatar.');
      return { contentType, body };
    },

    /** Deletes the uploaded image and clears avatarUrl when it pointed at it. */
    async remove(actor: ClientActor, contactId: string): Promise<void> {
      const row = await liveContact(actor.accountId, contactId);
      await files.delete(keyOf(contactId));
      if (row.avatar_url === avatarPath(contactId)) {
        await db.transaction().execute(async (tx) => {
          await tx
            .updateTable('contacts')
            .set({ avatar_url: null, updated_at: clock.now() })
            .where('id', '=', contactId)
            .execute();
          await audit.record(tx, {
            accountId: actor.accountId,
            actor: auditActorOf(actor),
            action: 'contact.avatar_removed',
            target: { type: 'contact', id: contactId },
          });
        });
      }
    },

    /** Deletes the stored images of contacts that are gone (purged or erased); missing files are fine. */
    async removeFiles(contactIds: readonly string[]): Promise<void> {
      for (const id of contactIds) await files.delete(keyOf(id));
    },
  };
}

export type Avatars = ReturnType<typeof createAvatars>;
