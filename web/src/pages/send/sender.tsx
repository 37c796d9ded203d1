import { TextField } from '../../forms';
import { Link } from '../../router';

/**
 * A sender made from the company's name that passes the sender-id rule (1–11 of A–Z, a–z, 0–9, space and
 * `. - _ &`, at least one letter): accents dropped, other characters left out. Empty when nothing is left.
 */
export function suggestSender(company: string): string {
  const words = company
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9 .\-_&]/g, '')
    .split(/\s+/)
    .filter(Boolean);
  // As many whole words as fit ("Acme Bakery Ltd" → "Acme Bakery"); a first word too long is cut.
  let name = (words[0] ?? '').slice(0, 11);
  for (const word of words.slice(1)) {
    if (name.length + 1 + word.length > 11) break;
    name = `${name} ${word}`;
  }
  return /[A-Za-z]/.test(name) ? name : '';
}

/** What a sender may be, in the words of the rule the server applies (messaging/sender-id). */
function SenderRules() {
  return (
    <ul className="sender-rules">
      <li>
        <strong>A name</strong> (alphanumeric), such as your shop's: 1–11 letters, digits, spaces or{' '}
        <code>. - _ &amp;</code>, with at least one letter. Recipients see the name but cannot reply to it.
      </li>
      <li>
        <strong>A number</strong> (numeric): up to 15 digits, with an optional <code>+</code>, e.g.{' '}
        <code>+37120000000</code>. Use one of your own numbers, so replies reach you.
      </li>
    </ul>
  );
}

/**
 * Who the message is from. An account without a sender of its own (`ask`) is asked for one, with the rules
 * and, for those who may change settings, a box to save it as the account's default; otherwise the field
 * is optional and empty means the account's default.
 */
export function SenderField({
  ask,
  sharedSender,
  defaultSender,
  mayChangeSettings,
  value,
  onChange,
  save,
  onSave,
  error,
}: {
  ask: boolean;
  sharedSender: string | null;
  defaultSender: string | null | undefined;
  mayChangeSettings: boolean;
  value: string;
  onChange: (from: string) => void;
  save: boolean;
  onSave: (save: boolean) => void;
  error: string | undefined;
}) {
  if (!ask)
    return (
      <TextField
        label="Sender (optional)"
        name="from"
        value={value}
        maxLength={15}
        onChange={(e) => onChange(e.target.value)}
        error={error}
        hint={
          defaultSender
            ? `Up to 11 letters or a phone number; empty: your default, ${defaultSender}.`
            : 'Up to 11 letters or a phone number; your account default when empty.'
        }
      />
    );
  return (
    <fieldset className="sender-ask" aria-describedby="sender-ask-intro">
      <legend>Who is it from?</legend>
      <p id="sender-ask-intro" className="sender-ask-intro">
        Your account has no sender yet. The sender is what recipients see the message come from:
      </p>
      <SenderRules />
      <TextField
        label={sharedSender ? 'Sender (optional)' : 'Sender'}
        name="from"
        value={value}
        maxLength={15}
        onChange={(e) => onChange(e.target.value)}
        error={error}
        hint={
          sharedSender
            ? `Empty: ${sharedSender}, the number this platform shares between accounts.`
            : 'We suggest your company name; change it as you like.'
        }
      />
      {mayChangeSettings ? (
        <div className="field checkbox">
          <input id="save-sender" type="checkbox" checked={save} onChange={(e) => onSave(e.target.checked)} />
          <label htmlFor="save-sender" className="beside-box">
            Save it as the account's default sender (change it under <Link to="/account">Account</Link>)
          </label>
        </div>
      ) : (
        <p className="muted">An owner or admin can set the account's default sender under Account.</p>
      )}
    </fieldset>
  );
}
