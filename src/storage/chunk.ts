/** Consecutive slices of `items`, each of at most `size` items (the last may be shorter). */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  if (!(size >= 1)) throw new RangeError(`chunk size must be at least 1, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * How many items fit in one statement that binds `perItem` parameters for each of them (columns per row
 * of an insert, 1 for an `in` list), under the dialect's parameter limit (`capabilities.maxParameters`)
 * less `reserved` for the statement's other parameters; at most `cap`, at least 1.
 */
export function itemsPerStatement(
  maxParameters: number,
  perItem: number,
  options: { cap?: number; reserved?: number } = {},
): number {
  const fit = Math.floor((maxParameters - (options.reserved ?? 0)) / perItem);
  return Math.max(1, Math.min(options.cap ?? Number.POSITIVE_INFINITY, fit));
}
