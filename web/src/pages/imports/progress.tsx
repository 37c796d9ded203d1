import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api';
import { type ImportJob, importKeys } from '../../api/contacts';
import { Link } from '../../router';

/** The statuses of an import still at work. */
const ACTIVE = new Set(['queued', 'running']);

/** Step 3: the import running in the background, polled until it ends. */
export function Progress({ id }: { id: string }) {
  const client = useQueryClient();
  const job = useQuery({
    queryKey: importKeys.detail(id),
    queryFn: () => api<ImportJob>('GET', `/v1/imports/${encodeURIComponent(id)}`),
    refetchInterval: (q) => (q.state.data && !ACTIVE.has(q.state.data.status) ? false : 1_000),
  });
  const cancel = useMutation({
    mutationFn: () => api<ImportJob>('POST', `/v1/imports/${encodeURIComponent(id)}/cancel`),
    onSuccess: () => client.invalidateQueries({ queryKey: importKeys.detail(id) }),
  });
  const j = job.data;
  if (job.error) return <p role="alert">{(job.error as Error).message}</p>;
  if (!j) return <p>Loading…</p>;
  const running = ACTIVE.has(j.status);
  const total = j.total ?? 0;
  const percent = total > 0 ? Math.min(100, Math.round((j.processed / total) * 100)) : running ? 0 : 100;
  return (
    <section className="card" aria-labelledby="progress-h" data-testid="import-progress">
      <h2 id="progress-h">Importing {j.fileName}</h2>
      <div className="progress-row">
        <label htmlFor="import-progress" className="progress-label">
          Progress
        </label>
        <progress id="import-progress" max={100} value={percent}>
          {percent}%
        </progress>
        <span>{percent}%</span>
      </div>
      <p aria-live="polite" data-testid="import-status">
        <span
          className={`badge badge-${j.status === 'completed' ? 'delivered' : j.status === 'failed' ? 'failed' : 'sent'}`}
        >
          {j.status}
        </span>{' '}
        {j.processed} of {j.total ?? '?'} rows processed
      </p>
      <dl className="stats">
        <div>
          <dt>Imported</dt>
          <dd>{j.imported}</dd>
        </div>
        <div>
          <dt>Updated</dt>
          <dd>{j.updated}</dd>
        </div>
        <div>
          <dt>Skipped</dt>
          <dd>{j.skipped}</dd>
        </div>
        <div>
          <dt>Refused</dt>
          <dd>{j.failed}</dd>
        </div>
        <div>
          <dt>Warnings</dt>
          <dd>{j.warned ?? 0}</dd>
        </div>
      </dl>
      {j.error ? <p role="alert">{j.error}</p> : null}
      {j.errors && j.errors.length > 0 ? (
        <>
          <h3>Refused rows</h3>
          <ul className="list" data-testid="import-errors">
            {j.errors.slice(0, 20).map((e) => (
              <li key={`${e.row}-${e.column ?? ''}`}>
                Row {e.row}
                {e.column ? `, ${e.column}` : ''}: {e.message}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {j.warnings && j.warnings.length > 0 ? (
        <>
          <h3>Imported with warnings</h3>
          <ul className="list" data-testid="import-warnings">
            {j.warnings.slice(0, 20).map((e) => (
              <li key={`${e.row}-${e.column ?? ''}-${e.message}`}>
                Row {e.row}
                {e.column ? `, ${e.column}` : ''}: {e.message}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <div className="toolbar">
        {j.failed > 0 ? (
          <a className="button" href={`/v1/imports/${j.id}/errors.csv`} download={`${j.id}-errors.csv`}>
            Download the error report
          </a>
        ) : null}
        {(j.warned ?? 0) > 0 ? (
          <a className="button" href={`/v1/imports/${j.id}/warnings.csv`} download={`${j.id}-warnings.csv`}>
            Download the warnings
          </a>
        ) : null}
        {running ? (
          <button
            type="button"
            className="danger"
            disabled={cancel.isPending || j.cancelRequested}
            onClick={() => cancel.mutate()}
          >
            {j.cancelRequested ? 'Cancelling…' : 'Cancel import'}
          </button>
        ) : (
          <Link to="/contacts" className="button primary">
            See the contacts
          </Link>
        )}
      </div>
    </section>
  );
}
