import { ApiError, problemFields } from './client';

// Its own module (not client.ts): only the privacy forms use it, and client.ts is in the first load.

/**
 * Field messages keyed by the last part of each error path, so `/body/changes/email` lands on the e-mail
 * field of the rectification form (the shared helper keys by the first part).
 */
export function leafFields(error: unknown): { fields: Record<string, string>; general: string | null } {
  const base = problemFields(error);
  if (!(error instanceof ApiError) || error.errors.length === 0) return base;
  const fields: Record<string, string> = {};
  for (const e of error.errors) {
    const leaf = e.path.split('/').filter(Boolean).pop() ?? '';
    if (leaf && leaf !== 'body' && !fields[leaf]) fields[leaf] = e.message;
  }
  return { fields, general: Object.keys(fields).length === 0 ? error.message : null };
}
