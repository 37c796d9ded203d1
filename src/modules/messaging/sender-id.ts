/**
 * Sender ids carriers accept: alphanumeric up to 11 characters (letters, digits, space and a few
 * marks, at least one letter) or a numeric sender up to 15 digits, optionally with a leading '+'.
 */
export function senderIdProblem(sender: string): string | null {
  if (/^\+?\d{1,15}$/.test(sender)) return null;
  if (!/^[A-Za-z0-9 .\-_&]{1,11}$/.test(sender)) {
    return 'must be 1–11 letters, digits, spaces or . - _ &, or a number of up to 15 digits';
  }
  if (!/[A-Za-z]/.test(sender)) return 'an alphanumeric sender needs at least one letter';
  if (sender.trim() !== sender) return 'must not start or end with a space';
  return null;
}
