import { z } from 'zod';

/**
 * How long a sent message of a route waits for its delivery receipt before it becomes `expired` (default
 * 48 h): a setting every route type's config schema includes.
 */
export const receiptTimeoutSeconds = z
  .number()
  .int()
  .min(60)
  .max(30 * 86_400)
  .optional()
  .meta({
    title: 'Receipt timeout (s)',
    description: 'A sent message without a receipt by then becomes expired (default 48 hours).',
  });
