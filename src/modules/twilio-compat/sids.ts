/**
 * Twilio-style SIDs (two letters + 32 hex digits) for our ids. Our ids are a prefix and a 26-character
 * Crockford base32 ULID, that is 128 bits: the same bits as 32 hex digits. The mapping is reversible, so
 * nothing is stored and a SID in a path leads straight back to the row.
 */
const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';
const ULID = /^[0-9a-hjkmnp-tv-z]{26}$/;
const HEX32 = /^[0-9a-f]{32}$/;

function ulidToHex(ulid: string): string | null {
  if (!ULID.test(ulid)) return null;
  let n = 0n;
  for (const ch of ulid) n = (n << 5n) | BigInt(CROCKFORD.indexOf(ch));
  // 26 × 5 = 130 bits: the top two are always zero in a ULID; anything else is not one of ours.
  if (n >> 128n !== 0n) return null;
  return n.toString(16).padStart(32, '0');
}

function hexToUlid(hex: string): string {
  let n = BigInt(`0x${hex}`);
  let out = '';
  for (let i = 0; i < 26; i++) {
    out = CROCKFORD[Number(n & 31n)] + out;
    n >>= 5n;
  }
  return out;
}

function sidOf(twilioPrefix: string, ourPrefix: string, id: string): string {
  const hex = id.startsWith(`${ourPrefix}_`) ? ulidToHex(id.slice(ourPrefix.length + 1)) : null;
  if (hex === null) throw new Error(`not a ${ourPrefix}_ id: ${id}`);
  return `${twilioPrefix}${hex}`;
}

function idOf(twilioPrefix: string, ourPrefix: string, sid: string): string | null {
  if (sid.length !== 34 || !sid.startsWith(twilioPrefix)) return null;
  const hex = sid.slice(2).toLowerCase();
  return HEX32.test(hex) ? `${ourPrefix}_${hexToUlid(hex)}` : null;
}

/** `AC…` for an account id (`acc_…`). */
export const accountSid = (accountId: string) => sidOf('AC', 'acc', accountId);
/** The account id of an `AC…` SID, or null when it is not one. */
export const accountIdOfSid = (sid: string) => idOf('AC', 'acc', sid);
/** `SM…` for a message id (`msg_…`). */
export const messageSid = (messageId: string) => sidOf('SM', 'msg', messageId);
/** The message id of an `SM…` SID, or null when it is not one. */
export const messageIdOfSid = (sid: string) => idOf('SM', 'msg', sid);
/** `SK…` for an API key id (`key_…`): Twilio's API key SIDs. */
export const keySid = (keyId: string) => sidOf('SK', 'key', keyId);
/** `PN…` for a virtual number id (`num_…`): Twilio's IncomingPhoneNumber SIDs. */
export const numberSid = (numberId: string) => sidOf('PN', 'num', numberId);
/** The number id of a `PN…` SID, or null when it is not one. */
export const numberIdOfSid = (sid: string) => idOf('PN', 'num', sid);
/** `MG…` for a messaging service id (`mgs_…`). */
export const serviceSid = (serviceId: string) => sidOf('MG', 'mgs', serviceId);
/** The messaging service id of an `MG…` SID, or null when it is not one. */
export const serviceIdOfSid = (sid: string) => idOf('MG', 'mgs', sid);
/** `AI…` for an alphanumeric sender in a messaging service's pool (`als_…`). */
export const alphaSenderSid = (id: string) => sidOf('AI', 'als', id);
/** The pool entry id of an `AI…` SID, or null when it is not one. */
export const alphaSenderIdOfSid = (sid: string) => idOf('AI', 'als', sid);
