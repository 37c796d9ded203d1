// Compliance: the privacy policy's versions and publishing a new one.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import { api, formatTime, type Page, problemFields } from '../../api';
import { adminKeys } from '../../api/admin';
import { FormError, TextArea, TextField } from '../../forms';
import type { Policy } from '../../policy-gate';
import { formValues } from './shared';

export function PolicySection() {
  const client = useQueryClient();
  const list = useQuery({
    queryKey: adminKeys.policies(),
    queryFn: () => api<Page<Policy>>('GET', '/v1/admin/policies'),
  });
  const publish = useMutation({
    mutationFn: (body: { version: string; text: string }) =>
      api<Policy>('POST', '/v1/admin/policies', body, true),
    onSuccess: () => client.invalidateQueries({ queryKey: adminKeys.policies() }),
  });
  const { fields, general } = problemFields(publish.error);
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    const v = formValues(e);
    publish.mutate({ version: v('version'), text: v('text') });
  };
  return (
    <section aria-labelledby="policy-title">
      <h2 id="policy-title">Privacy policy versions</h2>
      <p>
        Publishing a version makes it the one in force: every user is asked to accept it before they can
        change anything again. <a href="/privacy">See the public page</a>
      </p>
      <form noValidate onSubmit={onSubmit} className="card" aria-label="Publish a version">
        <h3>Publish a version</h3>
        <TextField label="Version" name="version" required error={fields.version} hint="e.g. 2027-01-01" />
        <TextArea label="Policy text (Markdown)" name="text" rows={10} required error={fields.text} />
        <FormError message={general} />
        {publish.isSuccess ? (
          <p role="status" className="notice">
            Version {publish.data.version} is now in force.
          </p>
        ) : null}
        <button type="submit" className="primary" disabled={publish.isPending}>
          {publish.isPending ? 'Publishing…' : 'Publish'}
        </button>
      </form>
      {list.isPending ? <p>Loading…</p> : null}
      {list.error ? <p role="alert">{(list.error as Error).message}</p> : null}
      {list.data && list.data.data.length === 0 ? (
        <p className="muted">No version published yet: the one named by the configuration is in force.</p>
      ) : null}
      <ul className="list" data-testid="policies">
        {list.data?.data.map((p, i) => (
          <li key={p.version}>
            <strong>{p.version}</strong>{' '}
            {i === 0 ? <span className="badge badge-delivered">in force</span> : null}
            <br />
            <span className="muted">published {formatTime(p.publishedAt ?? undefined)}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
