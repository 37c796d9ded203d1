import type { Kysely } from 'kysely';

/**
 * Normalised failure codes. A failed message's `error_code` is now one of a closed set, the same whichever
 * route failed it (`invalid_destination`, `throttled`, …; docs/failure-codes.md), and the carrier's own
 * code (`ESME_RINVDSTADR`, a receipt's `err:` value) moves to `carrier_error_code`. Rows written before
 * held `route_<carrier or adapter code>` (submit refusals) and `carrier_<receipt error or status>`
 * (receipts): they are rewritten here into the new pair, so old and new messages read and filter alike.
 * The table below is this migration's own copy of the SMPP mapping as it was when it shipped.
 */
const SMPP: Record<string, string> = {
  ESME_RINVMSGLEN: 'invalid_message',
  ESME_RINVBNDSTS: 'unreachable',
  ESME_RALYBND: 'unreachable',
  ESME_RINVPRTFLG: 'invalid_message',
  ESME_RINVREGDLVFLG: 'invalid_message',
  ESME_RSYSERR: 'carrier_error',
  ESME_RINVSRCADR: 'invalid_sender',
  ESME_RINVDSTADR: 'invalid_destination',
  ESME_RBINDFAIL: 'auth_failed',
  ESME_RINVPASWD: 'auth_failed',
  ESME_RINVSYSID: 'auth_failed',
  ESME_RMSGQFUL: 'throttled',
  ESME_RINVNUMDESTS: 'invalid_destination',
  ESME_RINVDLNAME: 'invalid_destination',
  ESME_RINVDESTFLAG: 'invalid_destination',
  ESME_RINVSUBREP: 'invalid_message',
  ESME_RINVESMCLASS: 'invalid_message',
  ESME_RCNTSUBDL: 'invalid_destination',
  ESME_RINVSRCTON: 'invalid_sender',
  ESME_RINVSRCNPI: 'invalid_sender',
  ESME_RINVDSTTON: 'invalid_destination',
  ESME_RINVDSTNPI: 'invalid_destination',
  ESME_RINVSYSTYP: 'auth_failed',
  ESME_RINVREPFLAG: 'invalid_message',
  ESME_RINVNUMMSGS: 'invalid_message',
  ESME_RTHROTTLED: 'throttled',
  ESME_RINVSCHED: 'invalid_message',
  ESME_RINVEXPIRY: 'invalid_message',
  ESME_RINVDFTMSGID: 'invalid_message',
  ESME_RX_T_APPN: 'carrier_error',
  ESME_RINVOPTPARSTREAM: 'invalid_message',
  ESME_ROPTPARNOTALLWD: 'invalid_message',
  ESME_RINVPARLEN: 'invalid_message',
  ESME_RMISSINGOPTPARAM: 'invalid_message',
  ESME_RINVOPTPARAMVAL: 'invalid_message',
  ESME_RUNKNOWNERR: 'carrier_error',
  // The SMPP adapter's own refusals (the message could not be encoded or was already out of date).
  INVALID_MESSAGE: 'invalid_message',
  INVALID_TEXT: 'invalid_message',
  EMPTY_MESSAGE: 'invalid_message',
  MESSAGE_TOO_LONG: 'invalid_message',
  SEGMENT_MISMATCH: 'invalid_message',
  EXPIRED: 'expired',
  // Retryable ones that can only have ended a route test.
  ROUTE_STOPPED: 'unreachable',
  NOT_CONNECTED: 'unreachable',
  CONNECTION_LOST: 'unreachable',
  ABORTED: 'unreachable',
  TIMEOUT: 'timeout',
};
const NORMALISED = new Set([
  'invalid_destination',
  'invalid_sender',
  'invalid_message',
  'rejected_by_carrier',
  'undelivered',
  'expired',
  'throttled',
  'unreachable',
  'auth_failed',
  'timeout',
  'carrier_error',
]);
/** Adapter codes that were not a carrier's: they leave no carrier code behind. */
const OWN = new Set([
  'INVALID_MESSAGE',
  'INVALID_TEXT',
  'EMPTY_MESSAGE',
  'MESSAGE_TOO_LONG',
  'SEGMENT_MISMATCH',
]);

/** A submit refusal's old code (without `route_`) as the new pair. */
function submitCode(old: string): { code: string; carrier: string | null } {
  if (NORMALISED.has(old)) return { code: old, carrier: null };
  if (old === 'route_down') return { code: 'unreachable', carrier: null };
  if (old === 'route_exception') return { code: 'carrier_error', carrier: null };
  const code = SMPP[old];
  if (code) return { code, carrier: OWN.has(old) || code === 'expired' ? null : old };
  return { code: 'rejected_by_carrier', carrier: old };
}

/** A receipt's old code (without `carrier_`) on a message now in `status`. */
function receiptCode(old: string, status: string): { code: string; carrier: string | null } {
  const code =
    status === 'rejected' ? 'rejected_by_carrier' : status === 'expired' ? 'expired' : 'undelivered';
  return { code, carrier: ['undelivered', 'expired', 'rejected', 'unknown'].includes(old) ? null : old };
}

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('messages').addColumn('carrier_error_code', 'text').execute();
  await db.schema.alterTable('route_tests').addColumn('carrier_error_code', 'text').execute();

  // One UPDATE per distinct old code (a few dozen at most), each matching by equality.
  const pairs = await db
    .selectFrom('messages')
    .select(['error_code', 'status'])
    .distinct()
    .where('error_code', 'is not', null)
    .execute();
  for (const { error_code: old, status } of pairs as Array<{ error_code: string; status: string }>) {
    let next: { code: string; carrier: string | null } | null = null;
    if (old.startsWith('route_') && old !== 'route_unavailable')
      next = submitCode(old.slice('route_'.length));
    else if (old.startsWith('carrier_')) next = receiptCode(old.slice('carrier_'.length), status);
    if (!next) continue;
    await db
      .updateTable('messages')
      .set({ error_code: next.code, carrier_error_code: next.carrier })
      .where('error_code', '=', old)
      .where('status', '=', status)
      .execute();
  }

  // Route tests stored the adapter's code without a prefix.
  const tests = await db
    .selectFrom('route_tests')
    .select('error_code')
    .distinct()
    .where('error_code', 'is not', null)
    .execute();
  for (const { error_code: old } of tests as Array<{ error_code: string }>) {
    if (NORMALISED.has(old)) continue;
    const next = old === 'route_error' ? { code: 'carrier_error', carrier: null } : submitCode(old);
    await db
      .updateTable('route_tests')
      .set({ error_code: next.code, carrier_error_code: next.carrier })
      .where('error_code', '=', old)
      .execute();
  }
}
