import { z } from 'zod';

/** Shared request pieces. Objects are strict: an unknown field is a validation error, not silently dropped. */
export const emailSchema = z.email().max(254);
export const passwordSchema = z.string().min(1).max(256);
export const idParams = z.strictObject({ id: z.string().min(1).max(64) });
export const pageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(64).optional(),
});

export function page<T extends { id: string }>(rows: T[], limit: number) {
  return { data: rows, nextCursor: rows.length === limit ? rows[rows.length - 1]!.id : null };
}
