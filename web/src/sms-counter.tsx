import type { Count } from './sms';
import { isGsmChar } from './sms';

/**
 * Encoding, characters, parts and what is left in the last part, as the composer shows it under a text
 * (the Send form and the campaign editor), with the characters that force UCS-2 and those smart encoding
 * swaps for GSM-7 look-alikes.
 */
export function SmsCounter({ count, testId = 'counter' }: { count: Count; testId?: string }) {
  return (
    <span data-testid={testId}>
      <strong>{count.encoding}</strong> · {count.characters} characters · {count.segments}{' '}
      {count.segments === 1 ? 'part' : 'parts'} · {count.remaining} left in this part
      {count.nonGsm.length > 0 ? (
        <>
          {' '}
          · forces UCS-2: <span className="nongsm">{count.nonGsm.join(' ')}</span>
        </>
      ) : null}
      {count.replaced.length > 0 ? (
        <span data-testid="smart-encoding">
          {' '}
          · smart encoding sends{' '}
          {count.replaced
            .map((c) => (/\S/.test(c) ? c : `U+${c.charCodeAt(0).toString(16).toUpperCase()}`))
            .join(' ')}{' '}
          as GSM-7 look-alikes
        </span>
      ) : null}
    </span>
  );
}

/** The text with every character that forces UCS-2 marked. */
export function Highlighted({ text }: { text: string }) {
  const parts: Array<{ s: string; bad: boolean }> = [];
  for (const ch of Array.from(text)) {
    const bad = !isGsmChar(ch);
    const last = parts[parts.length - 1];
    if (last && last.bad === bad) last.s += ch;
    else parts.push({ s: ch, bad });
  }
  let offset = 0;
  return (
    <p className="highlighted">
      <span className="sr-only">Characters that force UCS-2 are marked: </span>
      {parts.map((p) => {
        offset += p.s.length;
        return p.bad ? (
          <mark key={offset} title="Not in the GSM-7 alphabet">
            {p.s}
          </mark>
        ) : (
          <span key={offset}>{p.s}</span>
        );
      })}
    </p>
  );
}
