import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, formatTime, type Page, problemFields, query } from '../api';
import { useSettings } from '../api/account';
import { type Template, templateKeys } from '../api/campaigns';
import { LoadMore } from '../components/load-more';
import { PageLayout } from '../components/page';
import { FormError, TextArea, TextField } from '../forms';
import { Link, usePageTitle } from '../router';
import { countSms } from '../sms';
import { SmsCounter } from '../sms-counter';
import { toast } from '../toast';

/** Codes the API answers about a template's text without naming the field. */
const TEMPLATE_CODES = { template_invalid: 'text', empty_message: 'text' };

/** A template's name and text: the form to add one, and to change one in place. */
function TemplateForm({ template, onDone }: { template?: Template | undefined; onDone: () => void }) {
  const client = useQueryClient();
  const settings = useSettings();
  const [name, setName] = useState(template?.name ?? '');
  const [text, setText] = useState(template?.text ?? '');
  const save = useMutation({
    mutationFn: () =>
      template
        ? api<Template>('PATCH', `/v1/templates/${encodeURIComponent(template.id)}`, {
            name: name.trim(),
            text,
          })
        : api<Template>('POST', '/v1/templates', { name: name.trim(), text }, true),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: templateKeys.all });
      toast(template ? 'Template saved.' : 'Template added.');
      if (!template) {
        setName('');
        setText('');
      }
      onDone();
    },
  });
  const { fields, general } = problemFields(save.error, TEMPLATE_CODES);
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  const prefix = template ? `edit-${template.id}` : 'new';
  return (
    <form onSubmit={onSubmit} noValidate aria-label={template ? `Edit ${template.name}` : 'New template'}>
      <TextField
        label="Name"
        name={`${prefix}-name`}
        value={name}
        onChange={(e) => setName(e.target.value)}
        error={fields.name}
      />
      <TextArea
        label="Text"
        name={`${prefix}-text`}
        rows={4}
        value={text}
        onChange={(e) => setText(e.target.value)}
        error={fields.text}
        hint={
          <SmsCounter
            count={countSms(text, { smartEncoding: settings.data?.smartEncoding === true })}
            testId={`counter-${prefix}`}
          />
        }
      />
      <FormError message={general} />
      <div className="toolbar">
        <button type="submit" className="primary" disabled={save.isPending || !name.trim() || !text}>
          {template ? 'Save template' : 'Add template'}
        </button>
        {template ? (
          <button type="button" onClick={onDone}>
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}

/** Saved texts with placeholders: list, add, change, delete. Campaigns start from them ("Use template"). */
export function TemplatesPage() {
  usePageTitle('Templates');
  const client = useQueryClient();
  const [editing, setEditing] = useState<string | null>(null);
  const list = useInfiniteQuery({
    queryKey: templateKeys.pages(),
    queryFn: ({ pageParam }) =>
      api<Page<Template>>('GET', `/v1/templates${query({ limit: 50, cursor: pageParam })}`),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const remove = useMutation({
    mutationFn: (id: string) => api<void>('DELETE', `/v1/templates/${encodeURIComponent(id)}`),
    onSuccess: () => {
      toast('Template deleted.');
      return client.invalidateQueries({ queryKey: templateKeys.all });
    },
  });
  const rows = list.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <PageLayout title="Templates">
      <p className="muted">
        Texts to start campaigns from. Placeholders: <code>{'{{first_name}}'}</code>,{' '}
        <code>{'{{last_name|there}}'}</code> (with a fallback), your custom fields.{' '}
        <Link to="/campaigns">Campaigns</Link>
      </p>
      <section className="card" aria-labelledby="tnew-h">
        <h2 id="tnew-h">New template</h2>
        <TemplateForm onDone={() => undefined} />
      </section>
      {list.isPending ? <p>Loading…</p> : null}
      {list.error ? <p role="alert">{(list.error as Error).message}</p> : null}
      {list.data && rows.length === 0 ? <p className="muted">No templates yet.</p> : null}
      <FormError message={problemFields(remove.error).general} />
      <ul className="cards" data-testid="templates">
        {rows.map((t) => (
          <li key={t.id} className="card">
            {editing === t.id ? (
              <TemplateForm template={t} onDone={() => setEditing(null)} />
            ) : (
              <>
                <div className="row">
                  <h2>{t.name}</h2>
                  <span className="muted">changed {formatTime(t.updatedAt)}</span>
                </div>
                <p className="text-preview">{t.text}</p>
                <div className="toolbar">
                  <button type="button" onClick={() => setEditing(t.id)}>
                    Edit <span className="sr-only">{t.name}</span>
                  </button>
                  <button
                    type="button"
                    className="danger"
                    onClick={() => remove.mutate(t.id)}
                    disabled={remove.isPending}
                  >
                    Delete <span className="sr-only">{t.name}</span>
                  </button>
                </div>
              </>
            )}
          </li>
        ))}
      </ul>
      <LoadMore pages={list} />
    </PageLayout>
  );
}
