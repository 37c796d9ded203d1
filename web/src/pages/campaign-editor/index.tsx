import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { api, type Page, problemFields } from '../../api';
import { useSettings } from '../../api/account';
import {
  type Attachment,
  type Campaign,
  type CampaignPreview,
  campaignKeys,
  type Template,
  templateKeys,
} from '../../api/campaigns';
import { PageLayout } from '../../components/page';
import { FormError, TextField } from '../../forms';
import { useCampaign } from '../../hooks/use-campaign';
import { Link, navigate, usePageTitle } from '../../router';
import { AttachmentField } from './attachment';
import { AudienceFields, ResendAudience } from './audience';
import { CostLine } from './cost';
import {
  CAMPAIGN_CODES,
  type DraftFields,
  draftOf,
  emptyDraft,
  requestBody,
  type SetDraft,
  variantErrors,
} from './draft';
import { ScheduleFields } from './schedule';
import { countText } from './sizing';
import { CampaignText } from './text';
import { VariantsFieldset } from './variants';

/** Creates a draft, or edits one (`id`): the texts (one, or an A/B split), audience, schedule and pace. */
export function CampaignEditorPage({ id }: { id?: string | undefined }) {
  const editing = id !== undefined;
  usePageTitle(editing ? 'Edit campaign' : 'New campaign');
  const client = useQueryClient();
  const settings = useSettings();
  const templates = useQuery({
    queryKey: templateKeys.options(),
    queryFn: () => api<Page<Template>>('GET', '/v1/templates?limit=100'),
  });
  const existing = useCampaign(id, { enabled: editing });
  const c = existing.data;

  const [loaded, setLoaded] = useState(!editing);
  const [draft, setDraft] = useState<DraftFields>(emptyDraft);
  const set: SetDraft = (change) =>
    setDraft((d) => ({ ...d, ...(typeof change === 'function' ? change(d) : change) }));
  /** The `key` of the next variant added (keys are never reused, so React keeps each row's state). */
  const [nextKey, setNextKey] = useState(0);

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
    setDraft(draftOf(c, attached.data ?? null));
    if (c.variants) setNextKey(c.variants.length);
    setLoaded(true);
  }, [c, loaded, attached.data, attached.error]);

  const preview = useQuery({
    queryKey: campaignKeys.preview(id, c?.updatedAt),
    queryFn: () => api<CampaignPreview>('POST', `/v1/campaigns/${encodeURIComponent(id ?? '')}/preview`),
    enabled: editing && c?.status === 'draft',
    retry: false,
  });

  const startSplit = () => {
    set(({ text }) => ({
      variants: [
        { key: 0, text, percent: '50' },
        { key: 1, text: '', percent: '50' },
      ],
      split: true,
    }));
    setNextKey(2);
  };
  const endSplit = () => set(({ variants, text }) => ({ text: variants[0]?.text ?? text, split: false }));
  const addVariant = () => {
    set(({ variants }) => ({ variants: [...variants, { key: nextKey, text: '', percent: '0' }] }));
    setNextKey((k) => k + 1);
  };

  const { text, split, variants, attachment, trackLinks } = draft;
  const smartEncoding = settings.data?.smartEncoding === true;
  const countOf = (t: string) => countText(t, { trackLinks, attachment: attachment !== null, smartEncoding });

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
    save.mutate(requestBody(draft, editing, Boolean(c?.resendOf)));
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
          value={draft.name}
          onChange={(e) => set({ name: e.target.value })}
          error={fields.name}
        />
        <div className="field">
          <label htmlFor="campaign-type">Type</label>
          <select
            id="campaign-type"
            name="type"
            value={draft.type}
            onChange={(e) => set({ type: e.target.value as 'marketing' | 'transactional' })}
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
          <VariantsFieldset
            variants={variants}
            onChange={(update) => set((d) => ({ variants: update(d.variants) }))}
            onAdd={addVariant}
            countOf={countOf}
            templates={templates.data?.data ?? []}
            errors={vErrors.each}
            splitError={vErrors.split ?? fields.variants}
          />
        ) : (
          <CampaignText
            label="Text"
            name="text"
            value={text}
            onChange={(t) => set({ text: t })}
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

        <AttachmentField
          attachment={attachment}
          onChange={(a) => set({ attachment: a })}
          error={fields.attachmentId}
        />

        <TextField
          label="Sender"
          name="from"
          value={draft.from}
          onChange={(e) => set({ from: e.target.value })}
          error={fields.from}
          hint="Up to 11 letters or 15 digits. Empty: the account's default sender, or without one the platform's shared sender."
        />
        {c?.resendOf ? (
          <ResendAudience original={c.resendOf} />
        ) : (
          <AudienceFields draft={draft} set={set} errors={fields} />
        )}
        <ScheduleFields draft={draft} set={set} errors={fields} />
        <div className="field checkbox">
          <input
            id="campaign-track"
            name="trackLinks"
            type="checkbox"
            checked={trackLinks}
            onChange={(e) => set({ trackLinks: e.target.checked })}
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
