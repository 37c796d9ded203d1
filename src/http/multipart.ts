import type { MultipartFile } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../kernel/errors';
import { multipartProblem } from './problem';

/**
 * Reads a multipart form part by part: `onFile` gets the single file part named "file" (streamed,
 * so it can be stored as it arrives), the small fields are collected. Every part is read, so that a
 * second file, a forbidden field name or a broken end of the body is noticed instead of ignored.
 * Whatever `onFile` stored is handed to `discard` when the form turns out bad, and parser failures
 * (bad boundary, truncated body, limits) become 4xx AppErrors. `hint` says how to send the form.
 */
export async function readForm<T>(
  request: FastifyRequest,
  onFile: (file: MultipartFile) => Promise<T>,
  discard: (stored: T) => Promise<void>,
  hint = 'Send the file as multipart/form-data in a part named "file".',
): Promise<{ stored: T; fields: Record<string, string> }> {
  if (!request.isMultipart()) throw new AppError('unsupported_media_type', hint);
  let stored: T | undefined;
  let received = false;
  const fields: Record<string, string> = {};
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file' || received) {
          part.file.resume();
          throw new AppError('validation_failed', 'Send exactly one file, in the part named "file".', {
            errors: [{ path: `/body/${part.fieldname}`, message: 'unexpected file part' }],
          });
        }
        received = true;
        stored = await onFile(part);
        if (part.file.truncated)
          throw new AppError('payload_too_large', 'The file is larger than the limit.');
      } else {
        fields[part.fieldname] = String(part.value);
      }
    }
  } catch (error) {
    if (stored !== undefined) await discard(stored);
    throw multipartProblem(error) ?? error;
  }
  if (stored === undefined) {
    throw new AppError('validation_failed', 'No file was sent: add a part named "file".', {
      errors: [{ path: '/body/file', message: 'required' }],
    });
  }
  return { stored, fields };
}

/**
 * A form of exactly one file part named "file" and no fields, read into memory (the plugin's
 * `fileSize` limit bounds it): for small uploads such as images.
 */
export async function readSingleFile(
  request: FastifyRequest,
  hint: string,
): Promise<{ fileName: string; bytes: Buffer }> {
  const { stored } = await readForm(
    request,
    async (part) => ({ fileName: part.filename, bytes: await part.toBuffer() }),
    async () => {},
    hint,
  );
  return stored;
}
