import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, type Message, type Preview, problemFields } from '../../api';
import { useSettings } from '../../api/account';
import { messageKeys } from '../../api/messages';
import { PageLayout } from '../../components/page';
import { useCountries } from '../../countries';
import { FormError, TextArea, TextField } from '../../forms';
import { useDebounced } from '../../hooks/use-debounced';
import { navigate, usePageTitle } from '../../router';
import { useMe } from '../../session';
import { countSms, parseRecipients } from '../../sms';
import { Highlighted, SmsCounter } from '../../sms-counter';
import { toast } from '../../toast';
import { CostSection } from './cost';
import { InvalidRecipients, refusedRecipients } from './invalid-recipients';
import { RecipientPicker } from './recipient-picker';
import { SenderField, suggestSender } from './sender';

/** Sends one SMS to a few recipients (up to a thousand), now or at a time, with its price before sending. */
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
      // Screened messages are accepted too, but the client must see at once that they did not go.
      const held = answer.data.filter((m) => m.status === 'held').length;
      const refused = answer.data.filter((m) => m.status === 'rejected').length;
      const screened =
        (held > 0 ? ` ${held} held for review.` : '') + (refused > 0 ? ` ${refused} refused.` : '');
      toast(
        (first?.status === 'scheduled'
          ? `Scheduled ${n === 1 ? 'one message' : `${n} messages`}.`
          : `Sent ${n === 1 ? 'one message' : `${n} messages`}.`) + screened,
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
        <SenderField
          ask={askSender}
          sharedSender={sharedSender}
          defaultSender={settings.data?.defaultSender}
          mayChangeSettings={mayChangeSettings}
          value={from}
          onChange={setFrom}
          save={saveSender}
          onSave={setSaveSender}
          error={askSender ? senderError : fields.from}
        />
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
        <CostSection canPreview={canPreview} preview={preview.data} counting={preview.isFetching} />
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
