import { useQuery } from '@tanstack/react-query';
import { api, formatTime, type Page } from '../../api';
import { type ImportJob, importKeys } from '../../api/contacts';
import { Link } from '../../router';

/** The last ten imports, each a link to its progress and counts. */
export function RecentImports() {
  const list = useQuery({
    queryKey: importKeys.recent(),
    queryFn: () => api<Page<ImportJob>>('GET', '/v1/imports?limit=10'),
  });
  if (!list.data?.data.length) return null;
  return (
    <section className="card" aria-labelledby="recent-h">
      <h2 id="recent-h">Recent imports</h2>
      <ul className="list">
        {list.data.data.map((j) => (
          <li key={j.id} className="row">
            <Link to={`/contacts/import?id=${encodeURIComponent(j.id)}`}>{j.fileName}</Link>
            <span className="muted">
              {j.status}, {j.imported + j.updated} of {j.total ?? '?'} rows
              {j.createdAt ? `, ${formatTime(j.createdAt)}` : ''}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
