/** SMPP address and time formats. */

export const Ton = {
  UNKNOWN: 0,
  INTERNATIONAL: 1,
  NATIONAL: 2,
  NETWORK_SPECIFIC: 3,
  ALPHANUMERIC: 5,
} as const;

export const Npi = {
  UNKNOWN: 0,
  ISDN: 1,
} as const;

export interface SmppAddress {
  addr: string;
  ton: number;
  npi: number;
}

/** Longest number treated as a short code. */
const SHORT_CODE_MAX_DIGITS = 8;

/**
 * TON/NPI for a sender id, when the route does not configure them:
 * - alphanumeric (anything but digits after an optional '+') → TON 5 (alphanumeric), NPI 0;
 * - '+' followed by digits, or digits starting with the international prefix 00 → TON 1, NPI 1 (ISDN),
 *   sent without the '+'/00;
 * - up to 8 digits (a short code) → TON 3 (network specific), NPI 0;
 * - digits starting with a single 0 (national trunk prefix) → TON 2 (national), NPI 1;
 * - other digits → TON 0 (unknown), NPI 1, left for the SMSC to interpret.
 * Explicit `ton`/`npi` override the detected values one by one.
 */
export function sourceAddress(from: string, ton?: number, npi?: number): SmppAddress {
  const detected = detectSource(from.trim());
  return { addr: detected.addr, ton: ton ?? detected.ton, npi: npi ?? detected.npi };
}

function detectSource(from: string): SmppAddress {
  if (/^\+\d+$/.test(from)) return { addr: from.slice(1), ton: Ton.INTERNATIONAL, npi: Npi.ISDN };
  if (!/^\d+$/.test(from)) return { addr: from, ton: Ton.ALPHANUMERIC, npi: Npi.UNKNOWN };
  if (from.length <= SHORT_CODE_MAX_DIGITS) {
    return { addr: from, ton: Ton.NETWORK_SPECIFIC, npi: Npi.UNKNOWN };
  }
  if (from.startsWith('00')) return { addr: from.slice(2), ton: Ton.INTERNATIONAL, npi: Npi.ISDN };
  if (from.startsWith('0')) return { addr: from, ton: Ton.NATIONAL, npi: Npi.ISDN };
  return { addr: from, ton: Ton.UNKNOWN, npi: Npi.ISDN };
}

/**
 * TON/NPI for a recipient. An E.164 number ('+' and digits) is TON 1, NPI 1 without the '+'; anything else is
 * sent as given with TON 0 (unknown), NPI 1. Explicit `ton`/`npi` override the detected values.
 */
export function destinationAddress(to: string, ton?: number, npi?: number): SmppAddress {
  const trimmed = to.trim();
  const international = /^\+\d+$/.test(trimmed);
  return {
    addr: international ? trimmed.slice(1) : trimmed.replace(/^\+/, ''),
    ton: ton ?? (international ? Ton.INTERNATIONAL : Ton.UNKNOWN),
    npi: npi ?? Npi.ISDN,
  };
}

/** An address as the platform shows it: '+' in front of international numbers. */
export function displayAddress(addr: string, ton: number): string {
  if (ton === Ton.INTERNATIONAL && /^\d+$/.test(addr)) return `+${addr}`;
  return addr;
}

const pad2 = (value: number): string => value.toString().padStart(2, '0');

/**
 * SMPP absolute time `YYMMDDhhmmsstnnp` in UTC (`nn` = 00 quarter hours, `p` = '+'), e.g. `251201123045000+`
 * for 2025-12-01T12:30:45.0Z.
 */
export function formatAbsoluteTime(epochMs: number): string {
  const date = new Date(epochMs);
  return (
    pad2(date.getUTCFullYear() % 100) +
    pad2(date.getUTCMonth() + 1) +
    pad2(date.getUTCDate()) +
    pad2(date.getUTCHours()) +
    pad2(date.getUTCMinutes()) +
    pad2(date.getUTCSeconds()) +
    Math.floor(date.getUTCMilliseconds() / 100).toString() +
    '00+'
  );
}
