import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import { api, type Page, problemFields } from '../api';
import { useGroupList } from '../api/groups';
import { PageLayout } from '../components/page';
import { SelectField } from '../components/select-field';
import { FormError, TextArea, TextField } from '../forms';
import { usePageTitle } from '../router';
import { toast } from '../toast';

interface KeywordRule {
  id: string;
  keyword: string;
  synonyms: string[];
  numbers: string[];
  reply: string | null;
  addToGroupId: string | null;
  removeFromGroupId: string | null;
  forwardEmail: string | null;
  forwardWebhook: boolean;
}

interface KeywordSettings {
  helpText: string | null;
  helpTextMissing: boolean;
  helpWords: Record<string, string[]>;
  privacyWords: Record<'access' | 'erasure', Record<string, string[]>>;
}

const keys = { rules: ['keywords', 'rules'] as const, settings: ['keywords', 'settings'] as const };
const words = (byLanguage: Record<string, string[]>) =>
  Object.entries(byLanguage)
    .map(([language, list]) => `${language}: ${list.join(', ')}`)
    .join(' · ');

/** Keyword rules, the HELP answer and the privacy words of the account. */
export function KeywordsPage() {
  usePageTitle('Keywords');
  const client = useQueryClient();
  const groups = useGroupList();
  const rules = useQuery({
    queryKey: keys.rules,
    queryFn: () => api<Page<KeywordRule>>('GET', '/v1/keywords?limit=500'),
  });
  const settings = useQuery({
    queryKey: keys.settings,
    queryFn: () => api<KeywordSettings>('GET', '/v1/keywords/settings'),
  });
  const saveHelp = useMutation({
    mutationFn: (helpText: string | null) => api('PATCH', '/v1/account/settings', { helpText }),
    onSuccess: () => {
      toast('Help text saved.');
      return client.invalidateQueries({ queryKey: keys.settings });
    },
  });
  const add = useMutation({
    mutationFn: (body: Record<string, unknown>) => api<KeywordRule>('POST', '/v1/keywords', body),
    onSuccess: () => {
      toast('Keyword added.');
      return client.invalidateQueries({ queryKey: keys.rules });
    },
  });
  const remove = useMutation({
    mutationFn: (id: string) => api<void>('DELETE', `/v1/keywords/${id}`),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.rules }),
  });
  const groupName = (id: string | null) =>
    id ? (groups.data?.data.find((g) => g.id === id)?.name ?? id) : null;
  const groupOptions = [
    { value: '', label: '—' },
    ...(groups.data?.data ?? []).map((g) => ({ value: g.id, label: g.name })),
  ];

  const onHelp = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const text = String(new FormData(e.currentTarget).get('helpText') ?? '').trim();
    saveHelp.mutate(text === '' ? null : text);
  };
  const onAdd = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    const field = (name: string) => String(data.get(name) ?? '').trim();
    const synonyms = field('synonyms')
      .split(/[\s,]+/u)
      .filter((w) => w !== '');
    add.mutate(
      {
        keyword: field('keyword'),
        ...(synonyms.length > 0 ? { synonyms } : {}),
        ...(field('reply') ? { reply: field('reply') } : {}),
        ...(field('addToGroupId') ? { addToGroupId: field('addToGroupId') } : {}),
        ...(field('removeFromGroupId') ? { removeFromGroupId: field('removeFromGroupId') } : {}),
        ...(field('forwardEmail') ? { forwardEmail: field('forwardEmail') } : {}),
        forwardWebhook: data.get('forwardWebhook') === 'on',
      },
      { onSuccess: () => form.reset() },
    );
  };
  const help = problemFields(saveHelp.error);
  const added = problemFields(add.error);
  const list = rules.data?.data ?? [];

  return (
    <PageLayout title="Keywords">
      <p>
        Texts to your numbers whose first word is a keyword are answered automatically; case and accents do
        not matter. STOP and START change the suppression list, HELP answers with your help text, DATA and
        DELETE open a privacy request.
      </p>
      <section className="card" aria-labelledby="help-h">
        <h2 id="help-h">Help text</h2>
        {settings.data?.helpTextMissing ? (
          <p className="form-error" data-testid="help-missing">
            Your numbers have no help text: people who text HELP get only your company name and how to stop.
          </p>
        ) : null}
        {settings.data ? (
          <form onSubmit={onHelp} noValidate key={settings.data.helpText ?? ''}>
            <TextArea
              label="Answer to HELP"
              name="helpText"
              rows={3}
              maxLength={459}
              defaultValue={settings.data.helpText ?? ''}
              error={help.fields.helpText}
              hint={`Sent to ${words(settings.data.helpWords)}`}
            />
            <FormError message={help.general} />
            <button type="submit" className="primary" disabled={saveHelp.isPending}>
              Save help text
            </button>
          </form>
        ) : null}
      </section>
      <section className="card" aria-labelledby="add-kw-h">
        <h2 id="add-kw-h">Add a keyword</h2>
        <form onSubmit={onAdd} noValidate>
          <TextField
            label="Keyword"
            name="keyword"
            required
            error={added.fields.keyword}
            placeholder="JOIN"
          />
          <TextField
            label="Synonyms"
            name="synonyms"
            error={added.fields.synonyms}
            hint="Other words, in any language, separated by commas"
            placeholder="PIEVIENOTIES, ВСТУПИТЬ"
          />
          <TextArea label="Reply" name="reply" rows={2} error={added.fields.reply} />
          <SelectField label="Add the sender to" id="kw-add" name="addToGroupId" options={groupOptions} />
          <SelectField
            label="Remove the sender from"
            id="kw-remove"
            name="removeFromGroupId"
            options={groupOptions}
          />
          <TextField
            label="Forward to e-mail"
            name="forwardEmail"
            type="email"
            error={added.fields.forwardEmail}
          />
          <div className="field">
            <label>
              <input type="checkbox" name="forwardWebhook" /> Send a <code>message.keyword</code> webhook
              event
            </label>
          </div>
          <FormError message={added.general} />
          <button type="submit" className="primary" disabled={add.isPending}>
            Add keyword
          </button>
        </form>
      </section>
      {rules.isPending ? <p>Loading…</p> : null}
      {rules.data && list.length === 0 ? (
        <p className="muted" data-testid="keywords-empty">
          No keywords yet.
        </p>
      ) : null}
      <FormError message={problemFields(remove.error).general} />
      <ul className="list" data-testid="keywords">
        {list.map((r) => (
          <li key={r.id} className="row">
            <span>
              <strong>{r.keyword}</strong>
              {r.synonyms.length > 0 ? <span className="muted"> ({r.synonyms.join(', ')})</span> : null}
              <br />
              <span className="muted">
                {[
                  r.reply ? `replies “${r.reply}”` : null,
                  r.addToGroupId ? `adds to ${groupName(r.addToGroupId)}` : null,
                  r.removeFromGroupId ? `removes from ${groupName(r.removeFromGroupId)}` : null,
                  r.forwardEmail ? `e-mails ${r.forwardEmail}` : null,
                  r.forwardWebhook ? 'webhook' : null,
                  r.numbers.length > 0 ? `on ${r.numbers.join(', ')}` : 'on every number',
                ]
                  .filter(Boolean)
                  .join(' · ')}
              </span>
            </span>
            <button type="button" className="danger" onClick={() => remove.mutate(r.id)}>
              Delete<span className="sr-only"> {r.keyword}</span>
            </button>
          </li>
        ))}
      </ul>
      {settings.data ? (
        <section className="card" aria-labelledby="privacy-words-h">
          <h2 id="privacy-words-h">Privacy by SMS</h2>
          <p>
            A text of one of these words opens a request in your privacy inbox, with the sender as the subject
            and a one-month deadline; the sender gets an acknowledgement in the language of the word.
          </p>
          <p data-testid="privacy-words">
            <strong>Copy of data:</strong> {words(settings.data.privacyWords.access)}
            <br />
            <strong>Deletion:</strong> {words(settings.data.privacyWords.erasure)}
          </p>
        </section>
      ) : null}
    </PageLayout>
  );
}
