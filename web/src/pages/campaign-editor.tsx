import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, type KeyboardEvent, useEffect, useId, useState } from 'react';
import { ApiError, api, formatCredits, type Page, problemFields, upload } from '../api';
import { useSettings } from '../api/account';
import { campaignKeys, templateKeys } from '../api/campaigns';
import { PageLayout } from '../components/page';
import { FormError, TextArea, TextField } from '../forms';
import { useGroups } from '../hooks/use-groups';
import { Link, navigate, usePageTitle } from '../router';
import { type Count, countSms } from '../sms';
import { Highlighted, SmsCounter } from '../sms-counter';
import type { Campaign, CampaignPreview } from './campaigns';

interface Template {
  id: string;
  name: string;
  text: string;
}

interface Attachment {
  id: string;
  name: string;
  contentType: string;
  bytes: number;
  expiresAt: string;
}

interface VariantDraft {
  key: number;
  text: string;
  percent: string;
}

const LABELS = ['A', 'B', 'C', 'D'];
const MAX_VARIANTS = 4;
/** Short links and attachment links are the public address, `/l/` or `/a/`, and an 8-character code. */
const CODE = 'x'.repeat(8);

/** Problems that name a nested path or only a code, put on the editor's fields. */
const CAMPAIGN_CODES = {
  invalid_timezone: 'timezone',
  invalid_schedule: 'sendAt',
  template_invalid: 'text',
  opt_out_missing: 'text',
  invalid_sender: 'from',
};

function words(v: string, upper = false): string[] {
  return v
    .split(/[\s,;]+/)
    .map((s) => (upper ? s.toUpperCase() : s))
    .filter(Boolean);
}

/** An instant as the `datetime-local` wall time of a zone (the API reads it back in that zone). */
function wallTime(iso: string, timeZone: string): string {
  try {
    const parts = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).formatToParts(new Date(iso));
    const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '00';
    return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}`;
  } catch {
    return iso.slice(0, 16);
  }
}

/**
 * The text as long as a recipient gets it, placeholders as written: tracked URLs become short links and
 * the attachment's link goes on a line of its own after the text, as the server does (the preview
 * renders each recipient exactly, footer included).
 */
function sizedText(text: string, options: { trackLinks: boolean; attachment: boolean }): string {
  const origin = window.location.origin;
  let out = options.trackLinks
    ? text.replace(/(?:https?:\/\/|www\.)[^\s]+[^\s.,;:!?)'"]/giu, `${origin}/l/${CODE}`)
    : text;
  if (options.attachment) out += `\n${origin}/a/${CODE}`;
  return out;
}

/**
 * One campaign text: the text area with its counter, a template to start from, and "Save as template".
 */
function CampaignText({
  label,
  name,
  value,
  onChange,
  count,
  error,
  templates,
}: {
  label: string;
  name: string;
  value: string;
  onChange: (text: string) => void;
  count: Count;
  error?: string | undefined;
  templates: Template[];
}) {
  const client = useQueryClient();
  const pickId = useId();
  const [naming, setNaming] = useState(false);
  const [templateName, setTemplateName] = useState('');
  const [saved, setSaved] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: () =>
      api<Template>('POST', '/v1/templates', { name: templateName.trim(), text: value }, true),
    onSuccess: async (t) => {
      setSaved(`Saved as the template “${t.name}”.`);
      setNaming(false);
      setTemplateName('');
      await client.invalidateQueries({ queryKey: templateKeys.all });
    },
  });
  const saveError = problemFields(save.error).fields;
  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    // Enter names the template; it must not submit the campaign form around it.
    if (e.key === 'Enter') {
      e.preventDefault();
      if (templateName.trim()) save.mutate();
    }
  };
  return (
    <div className="campaign-text">
      <TextArea
        label={label}
        name={name}
        rows={4}
        value={value}
        onChange={(e) => {
          onChange(e.target.value);
          setSaved(null);
        }}
        error={error}
        hint={<SmsCounter count={count} testId={`counter-${name}`} />}
      />
      {count.nonGsm.length > 0 ? <Highlighted text={value} /> : null}
      <div className="toolbar text-tools">
        {templates.length > 0 ? (
          <>
            <label htmlFor={pickId} className="sr-only">
              Use a template for {label}
            </label>
            <select
              id={pickId}
              value=""
              onChange={(e) => {
                const chosen = templates.find((t) => t.id === e.target.value);
                if (chosen) onChange(chosen.text);
              }}
            >
              <option value="">Use template…</option>
              {templates.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name}
                </option>
              ))}
            </select>
          </>
        ) : null}
        <button type="button" onClick={() => setNaming(true)} disabled={!value.trim() || naming}>
          Save as template
        </button>
        <span className="muted" aria-live="polite">
          {saved}
        </span>
      </div>
      {naming ? (
        <div className="inline-form">
          <TextField
            label="Template name"
            name={`${name}-template-name`}
            value={templateName}
            onChange={(e) => setTemplateName(e.target.value)}
            onKeyDown={onKey}
            error={
              saveError.name ?? saveError.text ?? (save.error ? (save.error as Error).message : undefined)
            }
            autoFocus
          />
          <button
            type="button"
            className="primary"
            onClick={() => save.mutate()}
            disabled={!templateName.trim() || save.isPending}
          >
            Save template
          </button>
          <button type="button" onClick={() => setNaming(false)}>
            Cancel
          </button>
        </div>
      ) : null}
    </div>
  );
}

/** The attachment of a campaign: upload a file, or take it off. Each recipient gets their own link to it. */
function AttachmentField({
  attachment,
  onChange,
  error,
}: {
  attachment: Attachment | null;
  onChange: (a: Attachment | null) => void;
  error?: string | undefined;
}) {
  const [progress, setProgress] = useState<number | null>(null);
  const send = useMutation({
    mutationFn: (file: File) => {
      const form = new FormData();
      form.append('file', file);
      return upload<Attachment>('/v1/attachments', form, (sent, total) =>
        setProgress(Math.round((sent / total) * 100)),
      );
    },
    onSuccess: (a) => {
      setProgress(null);
      onChange(a);
    },
    onError: () => setProgress(null),
  });
  const problem = send.error ? (send.error as Error).message : error;
  return (
    <fieldset>
      <legend>Attachment</legend>
      {attachment ? (
        <p data-testid="attachment">
          <strong>{attachment.name}</strong>{' '}
          <span className="muted">({Math.max(1, Math.round(attachment.bytes / 1024))} KB)</span>: every
          recipient gets their own link to it on a line after the text.{' '}
          <button type="button" onClick={() => onChange(null)}>
            Remove the attachment
          </button>
        </p>
      ) : (
        <div className="field">
          <label htmlFor="campaign-attachment">Attach an image or a PDF</label>
          <input
            id="campaign-attachment"
            type="file"
            accept="image/jpeg,image/png,image/gif,image/webp,application/pdf"
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (file) send.mutate(file);
              e.target.value = '';
            }}
          />
          <p className="hint">
            JPEG, PNG, GIF, WEBP or PDF up to 5 MB, kept 60 days. Recipients get a link, not the file itself.
          </p>
        </div>
      )}
      {progress !== null ? <progress max={100} value={progress} aria-label="Upload" /> : null}
      {problem ? (
        <p className="field-error" role="alert">
          {problem}
        </p>
      ) : null}
    </fieldset>
  );
}

/** Per-variant problems from `errors[].path` (`/body/variants/1/text`), and one for the split as a whole. */
function variantErrors(error: unknown): { each: Record<number, string>; split: string | null } {
  const each: Record<number, string> = {};
  let split: string | null = null;
  if (!(error instanceof ApiError)) return { each, split };
  for (const e of error.errors) {
    const m = /^\/body\/variants(?:\/(\d+))?/.exec(e.path);
    if (!m) continue;
    if (m[1] === undefined) split ??= e.message;
    else each[Number(m[1])] ??= e.message;
  }
  return { each, split };
}

/** The draft's cost: exact from the preview of the saved draft; an estimate while the text has changed. */
function CostLine({
  preview,
  unchanged,
  parts,
}: {
  preview: CampaignPreview | undefined;
  unchanged: boolean;
  /** Parts of each text being edited, with the share of recipients it goes to. */
  parts: Array<{ parts: number; recipients: number }>;
}) {
  if (!preview) return <p className="muted">Counting the audience…</p>;
  if (preview.recipients === 0)
    return <p className="muted">No contact of the chosen audience can receive this campaign.</p>;
  const exact = (
    <>
      {preview.recipients} {preview.recipients === 1 ? 'recipient' : 'recipients'} × {preview.segments}{' '}
      {preview.segments === 1 ? 'part' : 'parts'} in all ={' '}
      <strong>{formatCredits(preview.cost)} credits</strong>
    </>
  );
  if (unchanged) return <p data-testid="campaign-cost">{exact}</p>;
  const perPart = preview.segments > 0 ? preview.cost / preview.segments : 0;
  const estimate = parts.reduce((sum, p) => sum + p.recipients * p.parts * perPart, 0);
  const totalParts = parts.reduce((sum, p) => sum + p.recipients * p.parts, 0);
  return (
    <p data-testid="campaign-cost">
      About {preview.recipients} × {totalParts === 0 ? 0 : (totalParts / preview.recipients).toFixed(1)} parts
      × {formatCredits(perPart)} ≈ <strong>{formatCredits(estimate)} credits</strong>{' '}
      <span className="muted">(saved draft: {formatCredits(preview.cost)}; save to count exactly)</span>
    </p>
  );
}

/** Creates a draft, or edits one (`id`): the texts (one, or an A/B split), audience, schedule and pace. */
export function CampaignEditorPage({ id }: { id?: string | undefined }) {
  const editing = id !== undefined;
  usePageTitle(editing ? 'Edit campaign' : 'New campaign');
  const client = useQueryClient();
  const groups = useGroups();
  const settings = useSettings();
  const smart = { smartEncoding: settings.data?.smartEncoding === true };
  const templates = useQuery({
    queryKey: templateKeys.options(),
    queryFn: () => api<Page<Template>>('GET', '/v1/templates?limit=100'),
  });
  const existing = useQuery({
    queryKey: campaignKeys.detail(id),
    queryFn: () => api<Campaign>('GET', `/v1/campaigns/${encodeURIComponent(id ?? '')}`),
    enabled: editing,
  });
  const c = existing.data;

  const [loaded, setLoaded] = useState(!editing);
  const [name, setName] = useState('');
  const [type, setType] = useState<'marketing' | 'transactional'>('marketing');
  const [text, setText] = useState('');
  const [split, setSplit] = useState(false);
  const [variants, setVariants] = useState<VariantDraft[]>([]);
  const [nextKey, setNextKey] = useState(0);
  const [from, setFrom] = useState('');
  const [groupIds, setGroupIds] = useState<string[]>([]);
  const [tags, setTags] = useState('');
  const [countries, setCountries] = useState('');
  const [sendAt, setSendAt] = useState('');
  const [timezone, setTimezone] = useState(Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');
  const [quiet, setQuiet] = useState<'default' | 'none' | 'custom'>('default');
  const [quietStart, setQuietStart] = useState('21:00');
  const [quietEnd, setQuietEnd] = useState('08:00');
  const [speed, setSpeed] = useState('');
  const [trackLinks, setTrackLinks] = useState(false);
  const [attachment, setAttachment] = useState<Attachment | null>(null);

  const attached = useQuery({
    queryKey: campaignKeys.attachment(c?.attachmentId),
    queryFn: () => api<Attachment>('GET', `/v1/attachments/${encodeURIComponent(c?.attachmentId ?? '')}`),
    enabled: Boolean(c?.attachmentId),
    retry: false,
  });

  // The form starts from the stored draft once it has loaded (and its attachment, when it has one).
  useEffect(() => {
    if (!c || loaded) return;
    if (c.attachmentId && !attached.data && !attached.error) return;
    setName(c.name);
    setType(c.type);
    setText(c.text ?? '');
    if (c.variants) {
      setSplit(true);
      setVariants(c.variants.map((v, i) => ({ key: i, text: v.text, percent: String(v.percent) })));
      setNextKey(c.variants.length);
    }
    setFrom(c.from ?? '');
    setGroupIds(c.groupIds);
    setTags(c.contactFilter?.tags?.join(', ') ?? '');
    setCountries(c.contactFilter?.countries?.join(', ') ?? '');
    setTimezone(c.timezone);
    setSendAt(c.sendAt ? wallTime(c.sendAt, c.timezone) : '');
    if (c.quietHours === null) setQuiet('none');
    else if (c.quietHours !== 'account_default') {
      setQuiet('custom');
      setQuietStart(c.quietHours.start);
      setQuietEnd(c.quietHours.end);
    }
    setSpeed(c.speedPerMinute === null ? '' : String(c.speedPerMinute));
    setTrackLinks(c.trackLinks);
    setAttachment(attached.data ?? null);
    setLoaded(true);
  }, [c, loaded, attached.data, attached.error]);

  const preview = useQuery({
    queryKey: campaignKeys.preview(id, c?.updatedAt),
    queryFn: () => api<CampaignPreview>('POST', `/v1/campaigns/${encodeURIComponent(id ?? '')}/preview`),
    enabled: editing && c?.status === 'draft',
    retry: false,
  });

  const startSplit = () => {
    setVariants([
      { key: 0, text, percent: '50' },
      { key: 1, text: '', percent: '50' },
    ]);
    setNextKey(2);
    setSplit(true);
  };
  const endSplit = () => {
    setText(variants[0]?.text ?? text);
    setSplit(false);
  };
  const setVariant = (key: number, change: Partial<VariantDraft>) =>
    setVariants((vs) => vs.map((v) => (v.key === key ? { ...v, ...change } : v)));

  const sizing = { trackLinks, attachment: attachment !== null };
  const countOf = (t: string) => countSms(sizedText(t, sizing), smart);
  const percentSum = variants.reduce((n, v) => n + (Number(v.percent) || 0), 0);

  const body = (): Record<string, unknown> => {
    const out: Record<string, unknown> = {
      name: name.trim(),
      type,
      trackLinks,
      timezone: timezone.trim() || 'UTC',
      from: from.trim() ? from.trim() : null,
      sendAt: sendAt || null,
      speedPerMinute: speed.trim() ? Number(speed) : null,
      attachmentId: attachment?.id ?? null,
    };
    if (split) out.variants = variants.map((v) => ({ text: v.text, percent: Number(v.percent) || 0 }));
    else {
      out.text = text;
      if (editing) out.variants = null;
    }
    if (!c?.resendOf) {
      out.groupIds = groupIds;
      const t = words(tags);
      const k = words(countries, true);
      out.contactFilter =
        t.length || k.length
          ? { ...(t.length ? { tags: t } : {}), ...(k.length ? { countries: k } : {}) }
          : null;
    }
    out.quietHours =
      quiet === 'none' ? null : quiet === 'custom' ? { start: quietStart, end: quietEnd } : 'account_default';
    if (!editing) {
      // A new draft: absent values are the defaults; the API takes no nulls it would not store.
      for (const k of ['from', 'sendAt', 'speedPerMinute', 'attachmentId', 'contactFilter'] as const)
        if (out[k] === null) delete out[k];
      if (quiet === 'default') delete out.quietHours;
    }
    return out;
  };
  const save = useMutation({
    mutationFn: (payload: Record<string, unknown>) =>
      editing
        ? api<Campaign>('PATCH', `/v1/campaigns/${encodeURIComponent(id ?? '')}`, payload)
        : api<Campaign>('POST', '/v1/campaigns', payload, true),
    onSuccess: async (saved) => {
      await client.invalidateQueries({ queryKey: campaignKeys.all });
      await client.invalidateQueries({ queryKey: campaignKeys.one(saved.id) });
      navigate(`/campaigns/${saved.id}`);
    },
  });
  const { fields, general } = problemFields(save.error, CAMPAIGN_CODES);
  const vErrors = variantErrors(save.error);
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate(body());
  };

  // What the saved draft's preview counted, to tell whether the cost shown is still exact.
  const savedTexts = c ? (c.variants ? c.variants.map((v) => `${v.percent}:${v.text}`) : [c.text ?? '']) : [];
  const currentTexts = split ? variants.map((v) => `${v.percent}:${v.text}`) : [text];
  const unchanged =
    savedTexts.join('\u0000') === currentTexts.join('\u0000') &&
    (attachment?.id ?? null) === (c?.attachmentId ?? null) &&
    trackLinks === c?.trackLinks;
  const recipients = preview.data?.recipients ?? 0;
  const parts = split
    ? variants.map((v) => ({
        parts: countOf(v.text).segments,
        recipients: (recipients * (Number(v.percent) || 0)) / 100,
      }))
    : [{ parts: countOf(text).segments, recipients }];

  if (editing && existing.error)
    return (
      <div>
        <h1 tabIndex={-1}>Edit campaign</h1>
        <p role="alert">{(existing.error as Error).message}</p>
      </div>
    );
  if (editing && c && c.status !== 'draft')
    return (
      <div>
        <h1 tabIndex={-1}>Edit campaign</h1>
        <p className="card">
          This campaign is {c.status}: only drafts can be changed.{' '}
          <Link to={`/campaigns/${c.id}`}>Back to the campaign</Link>
        </p>
      </div>
    );
  if (!loaded) return <p>Loading…</p>;

  return (
    <PageLayout title={editing ? 'Edit campaign' : 'New campaign'}>
      <form onSubmit={onSubmit} noValidate className="card">
        <TextField
          label="Campaign name"
          name="name"
          required
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={fields.name}
        />
        <div className="field">
          <label htmlFor="campaign-type">Type</label>
          <select
            id="campaign-type"
            name="type"
            value={type}
            onChange={(e) => setType(e.target.value as 'marketing' | 'transactional')}
          >
            <option value="marketing">Marketing (needs an opt-out, respects quiet hours)</option>
            <option value="transactional">Transactional</option>
          </select>
        </div>

        <div className="field checkbox">
          <input
            id="campaign-split"
            type="checkbox"
            checked={split}
            onChange={(e) => (e.target.checked ? startSplit() : endSplit())}
          />
          <label htmlFor="campaign-split" className="beside-box">
            A/B test: split the audience between 2–4 texts
          </label>
        </div>
        {split ? (
          <fieldset data-testid="variants">
            <legend>Variants</legend>
            <p className="hint">
              Each recipient gets one variant, always the same one for this campaign. The percents must add up
              to 100 (now <strong data-testid="percent-sum">{percentSum}</strong>).
            </p>
            {variants.map((v, i) => (
              <div key={v.key} className="variant">
                <CampaignText
                  label={`Variant ${LABELS[i]}`}
                  name={`variant-${LABELS[i]}`}
                  value={v.text}
                  onChange={(t) => setVariant(v.key, { text: t })}
                  count={countOf(v.text)}
                  error={vErrors.each[i]}
                  templates={templates.data?.data ?? []}
                />
                <div className="inline-form">
                  <TextField
                    label={`Share of variant ${LABELS[i]} (%)`}
                    name={`percent-${LABELS[i]}`}
                    type="number"
                    min={1}
                    max={99}
                    value={v.percent}
                    onChange={(e) => setVariant(v.key, { percent: e.target.value })}
                  />
                  {variants.length > 2 ? (
                    <button
                      type="button"
                      onClick={() => setVariants((vs) => vs.filter((x) => x.key !== v.key))}
                    >
                      Remove variant {LABELS[i]}
                    </button>
                  ) : null}
                </div>
              </div>
            ))}
            {variants.length < MAX_VARIANTS ? (
              <button
                type="button"
                onClick={() => {
                  setVariants((vs) => [...vs, { key: nextKey, text: '', percent: '0' }]);
                  setNextKey((k) => k + 1);
                }}
              >
                Add a variant
              </button>
            ) : null}
            {vErrors.split || fields.variants ? (
              <p className="field-error" role="alert">
                {vErrors.split ?? fields.variants}
              </p>
            ) : null}
          </fieldset>
        ) : (
          <CampaignText
            label="Text"
            name="text"
            value={text}
            onChange={setText}
            count={countOf(text)}
            error={fields.text}
            templates={templates.data?.data ?? []}
          />
        )}
        <p className="hint">
          Placeholders: <code>{'{{first_name}}'}</code>, <code>{'{{last_name|there}}'}</code> (with a
          fallback), your custom fields; the counter counts them as written, with short links and the
          attachment's link at their length. Marketing texts must say how to opt out, e.g. “Reply STOP to opt
          out”.
        </p>

        <AttachmentField attachment={attachment} onChange={setAttachment} error={fields.attachmentId} />

        <TextField
          label="Sender"
          name="from"
          value={from}
          onChange={(e) => setFrom(e.target.value)}
          error={fields.from}
          hint="Up to 11 letters or 15 digits. Empty: the account's default sender, or without one the platform's shared sender."
        />
        {c?.resendOf ? (
          <p className="notice" data-testid="resend-audience">
            Audience: the recipients of <Link to={`/campaigns/${c.resendOf}`}>the original campaign</Link>{' '}
            whose message failed, was undelivered or expired, less those who opted out or were deleted since.
          </p>
        ) : (
          <>
            <fieldset>
              <legend>Groups</legend>
              {groups.data?.data.length === 0 ? (
                <p className="muted">
                  No groups yet: <Link to="/groups">create one</Link>.
                </p>
              ) : null}
              {groups.data?.data.map((g) => (
                <label key={g.id} className="check">
                  <input
                    type="checkbox"
                    name="groupIds"
                    value={g.id}
                    checked={groupIds.includes(g.id)}
                    onChange={(e) =>
                      setGroupIds((ids) =>
                        e.target.checked ? [...ids, g.id] : ids.filter((x) => x !== g.id),
                      )
                    }
                  />{' '}
                  {g.name} <span className="muted">({g.memberCount})</span>
                </label>
              ))}
              {fields.groupIds ? (
                <p className="field-error" role="alert">
                  {fields.groupIds}
                </p>
              ) : null}
            </fieldset>
            <TextField
              label="Only contacts tagged"
              name="tags"
              value={tags}
              onChange={(e) => setTags(e.target.value)}
              error={fields.contactFilter}
              hint="Separated by commas. Empty: everyone in the groups."
            />
            <TextField
              label="Only contacts in countries"
              name="countries"
              value={countries}
              onChange={(e) => setCountries(e.target.value)}
              hint="e.g. LV, EE. Empty: any country."
            />
          </>
        )}
        <TextField
          label="Send at"
          name="sendAt"
          type="datetime-local"
          value={sendAt}
          onChange={(e) => setSendAt(e.target.value)}
          error={fields.sendAt}
          hint="Empty: as soon as you start it."
        />
        <TextField
          label="Time zone"
          name="timezone"
          value={timezone}
          onChange={(e) => setTimezone(e.target.value)}
          error={fields.timezone}
        />
        <div className="field">
          <label htmlFor="campaign-quiet">Quiet hours (recipient's local time)</label>
          <select
            id="campaign-quiet"
            value={quiet}
            onChange={(e) => setQuiet(e.target.value as 'default' | 'none' | 'custom')}
          >
            <option value="default">The account's setting</option>
            <option value="none">None</option>
            <option value="custom">Custom</option>
          </select>
          {fields.quietHours ? (
            <p className="field-error" role="alert">
              {fields.quietHours}
            </p>
          ) : null}
        </div>
        {quiet === 'custom' ? (
          <div className="inline-form">
            <TextField
              label="Quiet from"
              name="quietStart"
              type="time"
              value={quietStart}
              onChange={(e) => setQuietStart(e.target.value)}
            />
            <TextField
              label="Quiet until"
              name="quietEnd"
              type="time"
              value={quietEnd}
              onChange={(e) => setQuietEnd(e.target.value)}
            />
          </div>
        ) : null}
        <TextField
          label="Messages per minute"
          name="speedPerMinute"
          type="number"
          min={1}
          value={speed}
          onChange={(e) => setSpeed(e.target.value)}
          error={fields.speedPerMinute}
          hint="Empty: as fast as the routes allow."
        />
        <div className="field checkbox">
          <input
            id="campaign-track"
            name="trackLinks"
            type="checkbox"
            checked={trackLinks}
            onChange={(e) => setTrackLinks(e.target.checked)}
          />
          <label htmlFor="campaign-track">Shorten and track links</label>
        </div>

        <section className="cost" aria-live="polite" aria-labelledby="ccost-h">
          <h2 id="ccost-h">Cost</h2>
          {editing ? (
            preview.error ? (
              <p className="muted">{(preview.error as Error).message}</p>
            ) : (
              <CostLine preview={preview.data} unchanged={unchanged} parts={parts} />
            )
          ) : (
            <p className="muted">Save the draft to count its audience and cost.</p>
          )}
        </section>

        <FormError message={general} />
        <div className="toolbar">
          <button type="submit" className="primary" disabled={save.isPending}>
            {editing ? 'Save changes' : 'Save draft'}
          </button>
          <Link to={editing ? `/campaigns/${id}` : '/campaigns'} className="button">
            Cancel
          </Link>
        </div>
      </form>
    </PageLayout>
  );
}
