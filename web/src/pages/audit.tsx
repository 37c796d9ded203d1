import { useInfiniteQuery } from '@tanstack/react-query';
import { type AuditEntry, api, formatTime, type Page, query } from '../api';
import { complianceKeys } from '../api/compliance';
import { LoadMore } from '../components/load-more';
import { PageLayout } from '../components/page';
import { usePageTitle } from '../router';

/** One audit table for the client's own log and the operator's log of an account. */
export function AuditTable({
  path,
  label,
  params = {},
}: {
  path: string;
  label: string;
  params?: Record<string, string>;
}) {
  const pages = useInfiniteQuery({
    queryKey: complianceKeys.auditLog(path, params),
    queryFn: ({ pageParam }) =>
      api<Page<AuditEntry>>('GET', `${path}${query({ ...params, limit: 50, cursor: pageParam })}`),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const rows = pages.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <>
      {pages.isPending ? <p>Loading…</p> : null}
      {pages.error ? <p role="alert">{(pages.error as Error).message}</p> : null}
      {pages.data && rows.length === 0 ? <p className="muted">Nothing recorded yet.</p> : null}
      {rows.length > 0 ? (
        <div className="table-wrap">
          <table className="data" aria-label={label}>
            <thead>
              <tr>
                <th scope="col">At</th>
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">IP</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((e) => (
                <tr key={e.id}>
                  <td>{formatTime(e.at)}</td>
                  <td>
                    {e.actorName ? <strong>{e.actorName} </strong> : null}
                    {e.actorType}
                    {e.actorId ? <code className="id"> {e.actorId}</code> : null}
                  </td>
                  <td>{e.action}</td>
                  <td>
                    {e.targetName ? <strong>{e.targetName} </strong> : null}
                    {e.targetType ?? ''}
                    {e.targetId ? <code className="id"> {e.targetId}</code> : null}
                  </td>
                  <td>{e.ip ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <LoadMore pages={pages} busyLabel="Loading…" />
    </>
  );
}

export function AuditPage() {
  usePageTitle('Audit log');
  return (
    <PageLayout title="Audit log">
      <p className="muted">Who changed what in your account, newest first.</p>
      <AuditTable path="/v1/audit-log" label="Audit log" />
    </PageLayout>
  );
}
