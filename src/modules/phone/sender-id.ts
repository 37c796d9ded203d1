import { AppError } from '../../kernel/errors';

/**
 * Characters an alphanumeric sender may use: letters and digits of the GSM 03.38 basic set (ASCII only, so
 * no look-alikes), space and a few marks every carrier passes. Anything else (control characters, line
 * breaks, direction overrides, zero-width characters, quotes, angle brackets) is refused.
 */
const ALPHANUMERIC = /^[A-Za-z0-9 .\-_&]{1,11}$/;
const NUMERIC = /^\+?\d{1,15}$/;

/**
 * The one rule for sender ids, wherever they are stored (account settings, campaigns, API sends, routing
 * rules) and again when a campaign fans out: alphanumeric up to 11 characters (letters, digits, space and
 * `. - _ &`, at least one letter, no space at either end) or a numeric sender up to 15 digits, optionally
 * with a leading '+'. Returns what is wrong, or null when the sender is fine.
 */
export function senderIdProblem(sender: string): string | null {
  if (typeof sender !== 'string') return 'must be text';
  if (NUMERIC.test(sender)) return null;
  if (/[\u0000-\u001f\u007f-\u009f]/.test(sender))
    return 'must not contain control characters or line breaks';
  if (/[\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/.test(sender))
    return 'must not contain direction-changing or invisible characters';
  if (!ALPHANUMERIC.test(sender)) {
    return 'must be 1–11 letters, digits, spaces or . - _ &, or a number of up to 15 digits';
  }
  if (!/[A-Za-z]/.test(sender)) return 'an alphanumeric sender needs at least one letter';
  if (sender.trim() !== sender) return 'must not start or end with a space';
  return null;
}

/** Throws `invalid_sender_id` (naming `path`, e.g. `/body/from`) when the sender breaks the rule. */
export function assertSenderId(sender: string, path: string): void {
  const problem = senderIdProblem(sender);
  if (problem)
    throw new AppError('invalid_sender_id', `${path} ${problem}.`, { errors: [{ path, message: problem }] });
}
