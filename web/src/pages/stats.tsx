import { useQuery } from '@tanstack/react-query';
import { api, type Message, type Page } from '../api';

const FAILED = new Set(['undelivered', 'expired', 'failed', 'rejected']);
const DAYS = 7;

function startOfDay(d: Date): Date {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate());
}

/** Messages of the last days and of this month, counted by status in the browser from `GET /v1/messages`. */
export function MessageStats() {
  const now = new Date();
  const monthStart = new Date(now.getFullYear(), now.getMonth(), 1);
  const weekStart = startOfDay(new Date(now.getTime() - (DAYS - 1) * 86_400_000));
  const since = monthStart < weekStart ? monthStart : weekStart;
  const list = useQuery({
    queryKey: ['messages', 'stats', since.toISOString().slice(0, 10)],
    queryFn: () =>
      api<Page<Message>>(
        'GET',
        `/v1/messages?limit=500&createdAfter=${encodeURIComponent(since.toISOString())}`,
      ),
    refetchInterval: 10_000,
  });
  if (!list.data || list.data.data.length === 0) return null;
  const messages = list.data.data;
  const today = startOfDay(now).getTime();
  const count = (from: number) => {
    const c = { total: 0, delivered: 0, failed: 0, pending: 0 };
    for (const m of messages) {
      if (new Date(m.createdAt).getTime() < from) continue;
      c.total += 1;
      if (m.status === 'delivered') c.delivered += 1;
      else if (FAILED.has(m.status)) c.failed += 1;
      else c.pending += 1;
    }
    return c;
  };
  const todayC = count(today);
  const monthC = count(monthStart.getTime());
  const finished = monthC.delivered + monthC.failed;
  const rate = finished ? Math.round((monthC.delivered / finished) * 100) : null;
  const days = Array.from({ length: DAYS }, (_, i) => {
    const start = weekStart.getTime() + i * 86_400_000;
    const end = start + 86_400_000;
    const c = {
      label: new Date(start).toLocaleDateString(undefined, { weekday: 'short' }),
      sent: 0,
      delivered: 0,
      failed: 0,
    };
    for (const m of messages) {
      const t = new Date(m.createdAt).getTime();
      if (t < start || t >= end) continue;
      c.sent += 1;
      if (m.status === 'delivered') c.delivered += 1;
      else if (FAILED.has(m.status)) c.failed += 1;
    }
    return c;
  });
  const max = Math.max(1, ...days.map((d) => d.sent));
  const more = list.data.nextCursor ? '+' : '';
  return (
    <section className="card" aria-labelledby="stats-h">
      <h2 id="stats-h">Messages</h2>
      <dl className="stats">
        <div>
          <dt>Today</dt>
          <dd>
            {todayC.total}
            {more}
          </dd>
        </div>
        <div>
          <dt>This month</dt>
          <dd>
            {monthC.total}
            {more}
          </dd>
        </div>
        <div>
          <dt>Delivered</dt>
          <dd>{monthC.delivered}</dd>
        </div>
        <div>
          <dt>Failed</dt>
          <dd>{monthC.failed}</dd>
        </div>
        <div>
          <dt>Delivery rate</dt>
          <dd>{rate === null ? '—' : `${rate} %`}</dd>
        </div>
      </dl>
      <table className="chart">
        <caption>Last {DAYS} days: sent, delivered and failed</caption>
        <thead>
          <tr>
            <th scope="col">Day</th>
            <th scope="col">Sent</th>
            <th scope="col">Delivered</th>
            <th scope="col">Failed</th>
          </tr>
        </thead>
        <tbody>
          {days.map((d) => (
            <tr key={d.label}>
              <th scope="row">{d.label}</th>
              {(['sent', 'delivered', 'failed'] as const).map((k) => (
                <td key={k}>
                  <span className={`bar bar-${k}`} style={{ width: `${(d[k] / max) * 100}%` }} />
                  <span className="bar-value">{d[k]}</span>
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
