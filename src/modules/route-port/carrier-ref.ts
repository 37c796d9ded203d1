const MAX_CONVERTIBLE_LENGTH = 64;

/**
 * The forms under which one carrier message id may appear: as given, lower- and upper-case, and — when it
 * parses as such — its decimal value written in hex and its hex value written in decimal (leading zeros
 * dropped). Carriers commonly answer submit_sm in one base and write the receipt's `id:` in the other; the
 * DLR matcher looks a report up under every variant.
 */
export function carrierRefVariants(id: string): string[] {
  const trimmed = id.trim();
  const variants = new Set<string>();
  if (trimmed === '') return [];
  variants.add(trimmed);
  variants.add(trimmed.toLowerCase());
  variants.add(trimmed.toUpperCase());
  if (trimmed.length <= MAX_CONVERTIBLE_LENGTH) {
    if (/^\d+$/.test(trimmed)) {
      const value = BigInt(trimmed);
      variants.add(value.toString(10));
      variants.add(value.toString(16));
      variants.add(value.toString(16).toUpperCase());
    }
    if (/^(?:0x)?[0-9a-f]+$/i.test(trimmed)) {
      const hex = trimmed.replace(/^0x/i, '');
      const value = BigInt(`0x${hex}`);
      variants.add(value.toString(10));
      variants.add(value.toString(16));
      variants.add(value.toString(16).toUpperCase());
    }
  }
  return [...variants];
}
