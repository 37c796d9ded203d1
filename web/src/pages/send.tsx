import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import {
  ApiError,
  api,
  type Contact,
  formatCredits,
  type Message,
  type Page,
  type Preview,
  problemFields,
  type RecipientProblem,
} from '../api';
import { useSettings } from '../api/account';
import { contactKeys } from '../api/contacts';
import { messageKeys } from '../api/messages';
import { PageLayout } from '../components/page';
import { useCountries } from '../countries';
import { FormError, TextArea, TextField } from '../forms';
import { useDebounced } from '../hooks/use-debounced';
import { useGroups } from '../hooks/use-groups';
import { Link, navigate, usePageTitle } from '../router';
import { useMe } from '../session';
import { countSms, parseRecipients } from '../sms';
import { Highlighted, SmsCounter } from '../sms-counter';
import { toast } from '../toast';

/** The invalid recipients a refused send names (`errors[].path` is `/body/to/<index>`). */
function refusedRecipients(error: unknown, sent: string[]): RecipientProblem[] {
  if (!(error instanceof ApiError)) return [];
  const out: RecipientProblem[] = [];
  for (const e of error.errors) {
    const index = /^\/body\/to\/(\d+)$/.exec(e.path)?.[1];
    const to = index === undefined ? undefined : sent[Number(index)];
    if (to !== undefined) out.push({ path: e.path, to, code: error.code, detail: e.message });
  }
  return out;
}

/** Each recipient the API cannot send to, with its reason, and a way to take them out of the list. */
function InvalidRecipients({ problems, onRemove }: { problems: RecipientProblem[]; onRemove: () => void }) {
  if (problems.length === 0) return null;
  return (
    <div className="invalid-recipients" aria-live="polite">
      <p className="field-error">
        {problems.length === 1
          ? '1 recipient is not a valid number:'
          : `${problems.length} recipients are not valid numbers:`}
      </p>
      <ul aria-label="Invalid recipients">
        {problems.map((p) => (
          <li key={p.path}>
            <strong>{p.to}</strong> <span className="muted">— {p.detail}</span>
          </li>
        ))}
      </ul>
      <button type="button" onClick={onRemove}>
        Remove the invalid recipients
      </button>
    </div>
  );
}

/**
 * A sender made from the company's name that passes the sender-id rule (1–11 of A–Z, a–z, 0–9, space and
 * `. - _ &`, at least one letter): accents dropped, other characters left out. Empty when nothing is left.
 */
function suggestSender(company: string): string {
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

/** Most recipients one send takes; bigger audiences are a campaign's job. */
const MAX_RECIPIENTS = 1000;

/** Adds numbers from the address book: a whole group, or contacts found by name, number or e-mail. */
function RecipientPicker({ onAdd }: { onAdd: (phones: string[]) => void }) {
  const [query, setQuery] = useState('');
  const [groupId, setGroupId] = useState('');
  const [note, setNote] = useState<string | null>(null);
  const q = useDebounced(query.trim(), 300);
  const groups = useGroups();
  const found = useQuery({
    queryKey: contactKeys.search(q),
    queryFn: () => api<Page<Contact>>('GET', `/v1/contacts?limit=8&q=${encodeURIComponent(q)}`),
    enabled: q.length > 0,
  });
  const addGroup = useMutation({
    mutationFn: async (id: string) => {
      const phones: string[] = [];
      let cursor: string | null = null;
      do {
        const page: Page<Contact> = await api<Page<Contact>>(
          'GET',
          `/v1/contacts?limit=500&groupId=${encodeURIComponent(id)}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        phones.push(...page.data.map((c) => c.phone));
        cursor = page.nextCursor;
      } while (cursor && phones.length <= MAX_RECIPIENTS);
      return phones;
    },
    onSuccess: (phones) => {
      if (phones.length > MAX_RECIPIENTS) {
        setNote(`This group has more than ${MAX_RECIPIENTS} contacts: send to it with a campaign.`);
        return;
      }
      setNote(`${phones.length} ${phones.length === 1 ? 'number' : 'numbers'} added.`);
      onAdd(phones);
    },
  });
  const name = (c: Contact) => [c.firstName, c.lastName].filter(Boolean).join(' ') || c.phone;
  return (
    <fieldset className="picker">
      <legend>Add from contacts</legend>
      <div className="field">
        <label htmlFor="pick-group">Group</label>
        <div className="inline">
          <select id="pick-group" value={groupId} onChange={(e) => setGroupId(e.target.value)}>
            <option value="">Choose a group…</option>
            {groups.data?.data.map((g) => (
              <option key={g.id} value={g.id}>
                {g.name} ({g.memberCount})
              </option>
            ))}
          </select>
          <button
            type="button"
            disabled={!groupId || addGroup.isPending}
            onClick={() => addGroup.mutate(groupId)}
          >
            {addGroup.isPending ? 'Adding…' : 'Add the group'}
          </button>
        </div>
      </div>
      <div className="field">
        <label htmlFor="pick-contact">Find a contact</label>
        <input
          id="pick-contact"
          type="search"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          placeholder="Name, number or e-mail"
        />
      </div>
      {found.data && q ? (
        <ul className="list" aria-label="Contacts found">
          {found.data.data.length === 0 ? <li className="muted">No contact matches.</li> : null}
          {found.data.data.map((c) => (
            <li key={c.id}>
              {name(c)} <span className="muted">{c.phone}</span>{' '}
              <button
                type="button"
                onClick={() => {
                  onAdd([c.phone]);
                  setNote(`${name(c)} added.`);
                }}
              >
                Add
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <p className="muted" aria-live="polite">
        {note}
      </p>
    </fieldset>
  );
}

export function SendPage() {
  usePageTitle('Send an SMS');
  const client = useQueryClient();
  const me = useMe();
  const settings = useSettings();
  const [to, setTo] = useState('');
  const [text, setText] = useState('');
  // null until the user types: an account without a sender of its own starts from a suggestion.
  const [typedFrom, setFrom] = useState<string | null>(null);
  const [saveSender, setSaveSender] = useState(true);
  const [sendAt, setSendAt] = useState('');
  // The first send of an account without a sender of its own asks for one (the shared sender, if the
  // operator set one, is used when the answer is left empty).
  const askSender = settings.data?.defaultSender === null;
  const sharedSender = settings.data?.sharedSender ?? null;
  const mayChangeSettings = me.data?.permissions.includes('team:manage') ?? false;
  const suggested = askSender && !sharedSender ? suggestSender(me.data?.account.name ?? '') : '';
  const from = typedFrom ?? suggested;
  const [senderMissing, setSenderMissing] = useState(false);
  const count = countSms(text, { smartEncoding: settings.data?.smartEncoding === true });
  const countries = useCountries();
  const home = countries.data?.find((c) => c.code === settings.data?.defaultCountry);
  const recipients = parseRecipients(to);
  const scheduled = sendAt ? new Date(sendAt) : null;
  const body = {
    to: recipients,
    text,
    ...(from.trim() ? { from: from.trim() } : {}),
    ...(scheduled && !Number.isNaN(scheduled.getTime()) ? { sendAt: scheduled.toISOString() } : {}),
  };
  const addRecipients = (phones: string[]) => {
    const all = [...new Set([...parseRecipients(to), ...phones])];
    setTo(all.join('\n'));
  };
  const debounced = useDebounced(body, 400);
  const canPreview = debounced.to.length > 0 && debounced.text.length > 0;
  const preview = useQuery({
    queryKey: messageKeys.preview(debounced),
    queryFn: () => api<Preview>('POST', '/v1/messages/preview', debounced),
    enabled: canPreview,
    retry: false,
  });
  const [blocked, setBlocked] = useState<string | null>(null);
  const saveAsDefault = askSender && mayChangeSettings && saveSender;
  const send = useMutation({
    // allOrNothing: a recipient the preview did not flag yet is refused with the rest, never dropped.
    mutationFn: async (request: typeof body) => {
      const answer = await api<{ data: Message[] }>(
        'POST',
        '/v1/messages',
        Object.assign({ allOrNothing: true }, request),
        true,
      );
      // Saved only once the sender was accepted with a message; if saving fails, the next send asks again.
      if (saveAsDefault && request.from)
        await api('PATCH', '/v1/account/settings', { defaultSender: request.from }).catch(() => undefined);
      return answer;
    },
    onSuccess: async (answer) => {
      await client.invalidateQueries();
      const first = answer.data[0];
      const n = answer.data.length;
      toast(
        first?.status === 'scheduled'
          ? `Scheduled ${n === 1 ? 'one message' : `${n} messages`}.`
          : `Sent ${n === 1 ? 'one message' : `${n} messages`}.`,
      );
      // A scheduled send is days away: show it among the scheduled sends, not on a page waiting for it.
      if (first?.status === 'scheduled') navigate('/messages/scheduled');
      else if (answer.data.length === 1 && first) navigate(`/messages/${first.id}`);
      else navigate('/messages');
    },
  });
  // The preview's per-recipient errors while it matches what is typed; a refused send's otherwise.
  const previewMatches = preview.data !== undefined && debounced.to.join('\n') === recipients.join('\n');
  const refused = send.error ? refusedRecipients(send.error, send.variables?.to ?? []) : [];
  const invalid = refused.length > 0 ? refused : previewMatches ? (preview.data?.errors ?? []) : [];
  const { fields, general } = problemFields(
    refused.length > 0 ? null : (send.error ?? (canPreview ? preview.error : null)),
  );
  const removeInvalid = () => {
    const bad = new Set(invalid.map((p) => p.to));
    setTo(recipients.filter((r) => !bad.has(r)).join('\n'));
    setBlocked(null);
    send.reset();
  };
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (askSender && !sharedSender && !from.trim()) {
      setSenderMissing(true);
      return;
    }
    if (invalid.length > 0) {
      setBlocked(
        `${invalid.length === 1 ? '1 recipient is' : `${invalid.length} recipients are`} not valid: correct or remove ${invalid.length === 1 ? 'it' : 'them'} before sending. Nothing was sent.`,
      );
      return;
    }
    setBlocked(null);
    send.mutate(body);
  };
  const counter = <SmsCounter count={count} />;
  const senderError =
    fields.from ?? (senderMissing && !from.trim() ? 'Choose who the message is from.' : undefined);
  return (
    <PageLayout title="Send an SMS">
      <form className="card" onSubmit={onSubmit} noValidate>
        <TextArea
          label="Recipients"
          name="to"
          rows={2}
          value={to}
          onChange={(e) => {
            setTo(e.target.value);
            setBlocked(null);
            if (send.error) send.reset();
          }}
          placeholder="+37120000000"
          error={fields.to}
          hint={
            home
              ? `Phone numbers separated by commas, semicolons or new lines; without + and a country code they are read as ${home.name} (+${home.callingCode}) numbers.`
              : 'Phone numbers in international format, separated by commas, semicolons or new lines.'
          }
        />
        <InvalidRecipients problems={invalid} onRemove={removeInvalid} />
        <RecipientPicker onAdd={addRecipients} />
        {askSender ? (
          <fieldset className="sender-ask" aria-describedby="sender-ask-intro">
            <legend>Who is it from?</legend>
            <p id="sender-ask-intro" className="sender-ask-intro">
              Your account has no sender yet. The sender is what recipients see the message come from:
            </p>
            <SenderRules />
            <TextField
              label={sharedSender ? 'Sender (optional)' : 'Sender'}
              name="from"
              value={from}
              maxLength={15}
              onChange={(e) => setFrom(e.target.value)}
              error={senderError}
              hint={
                sharedSender
                  ? `Empty: ${sharedSender}, the number this platform shares between accounts.`
                  : 'We suggest your company name; change it as you like.'
              }
            />
            {mayChangeSettings ? (
              <div className="field checkbox">
                <input
                  id="save-sender"
                  type="checkbox"
                  checked={saveSender}
                  onChange={(e) => setSaveSender(e.target.checked)}
                />
                <label htmlFor="save-sender" className="beside-box">
                  Save it as the account's default sender (change it under <Link to="/account">Account</Link>)
                </label>
              </div>
            ) : (
              <p className="muted">An owner or admin can set the account's default sender under Account.</p>
            )}
          </fieldset>
        ) : (
          <TextField
            label="Sender (optional)"
            name="from"
            value={from}
            maxLength={15}
            onChange={(e) => setFrom(e.target.value)}
            error={fields.from}
            hint={
              settings.data?.defaultSender
                ? `Up to 11 letters or a phone number; empty: your default, ${settings.data.defaultSender}.`
                : 'Up to 11 letters or a phone number; your account default when empty.'
            }
          />
        )}
        <TextArea
          label="Message"
          name="text"
          rows={5}
          value={text}
          onChange={(e) => setText(e.target.value)}
          error={fields.text}
          hint={counter}
        />
        {count.nonGsm.length > 0 ? <Highlighted text={text} /> : null}
        <TextField
          label="Send at (optional)"
          name="sendAt"
          type="datetime-local"
          value={sendAt}
          onChange={(e) => setSendAt(e.target.value)}
          error={fields.sendAt}
          hint="Your local time; empty sends now."
        />
        <section className="cost" aria-live="polite" aria-labelledby="cost-h">
          <h2 id="cost-h">Cost</h2>
          {!canPreview ? (
            <p className="muted">Add a recipient and a text to see the price.</p>
          ) : preview.data ? (
            <p data-testid="cost">
              {preview.data.recipients.length}{' '}
              {preview.data.recipients.length === 1 ? 'recipient' : 'recipients'} × {preview.data.segments}{' '}
              {preview.data.segments === 1 ? 'part' : 'parts'} ={' '}
              <strong>{formatCredits(preview.data.total)} credits</strong>
              {preview.data.errors?.length ? (
                <span className="muted"> ({preview.data.errors.length} invalid, not counted)</span>
              ) : null}
            </p>
          ) : preview.isFetching ? (
            <p className="muted">Calculating…</p>
          ) : null}
          {canPreview && preview.data?.from ? (
            <p className="muted" data-testid="sent-from">
              From: {preview.data.from}
            </p>
          ) : null}
          <p className="muted">
            <Link to="/billing/prices">Prices per country</Link>
          </p>
        </section>
        <FormError
          message={
            blocked ??
            (refused.length > 0 ? 'Nothing was sent: correct or remove the invalid recipients.' : general)
          }
        />
        <button
          type="submit"
          className="primary"
          disabled={send.isPending || recipients.length === 0 || !text}
        >
          {send.isPending ? 'Sending…' : sendAt ? 'Schedule' : 'Send'}
        </button>
      </form>
    </PageLayout>
  );
}
