import { useInfiniteQuery } from '@tanstack/react-query';
import { type AuditEntry, api, formatTime, type Page, query } from '../api';
import { complianceKeys } from '../api/compliance';
import { LoadMore } from '../components/load-more';
import { PageLayout } from '../components/page';
import { Link, usePageTitle } from '../router';

/** An action as people read it: `user.email_verified` → "User email verified". */
export function actionWords(action: string): string {
  const words = action.replace(/[._]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The client portal's page of what an entry acted on, for the kinds the log names only by id. */
function targetPage(type: string | null, id: string | null): string | null {
  if (!id) return null;
  if (type === 'contact') return `/contacts/${encodeURIComponent(id)}`;
  if (type === 'campaign') return `/campaigns/${encodeURIComponent(id)}`;
  if (type === 'message') return `/messages/${encodeURIComponent(id)}`;
  return null;
}

/**
 * One audit table for the client's own log and the operator's log of an account. With `linkTargets`
 * (the client's own log), a contact, campaign or message the log names only by id links to its page.
 */
export function AuditTable({
  path,
  label,
  params = {},
  linkTargets = false,
}: {
  path: string;
  label: string;
  params?: Record<string, string>;
  linkTargets?: boolean;
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
          <table className="data stack" aria-label={label}>
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
                  <td data-label="At">{formatTime(e.at)}</td>
                  <td data-label="Actor">
                    {e.actorName ? <strong>{e.actorName} </strong> : null}
                    {e.actorType}
                    {e.actorId ? <code className="id"> {e.actorId}</code> : null}
                  </td>
                  <td data-label="Action" title={e.action}>
                    {actionWords(e.action)}
                  </td>
                  <td data-label="Target">
                    {e.targetName ? <strong>{e.targetName} </strong> : null}
                    {linkTargets && !e.targetName && targetPage(e.targetType, e.targetId) ? (
                      <Link to={targetPage(e.targetType, e.targetId) ?? ''}>Open the {e.targetType}</Link>
                    ) : (
                      (e.targetType ?? '')
                    )}
                    {e.targetId ? <code className="id"> {e.targetId}</code> : null}
                  </td>
                  <td data-label="IP">{e.ip ?? ''}</td>
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
      <AuditTable path="/v1/audit-log" label="Audit log" linkTargets />
    </PageLayout>
  );
}
