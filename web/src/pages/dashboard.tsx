import { useQuery } from '@tanstack/react-query';
import { api, formatCredits, formatTime, type Message, type Page } from '../api';
import { type Campaign, campaignKeys } from '../api/campaigns';
import { messageKeys } from '../api/messages';
import { CampaignBadge } from '../components/campaign-badge';
import { StatusBadge } from '../forms';
import { Link, useLocation, usePageTitle } from '../router';
import { useMe } from '../session';
import { MessageStats } from './stats';

export function DashboardPage() {
  usePageTitle('Dashboard');
  const { search } = useLocation();
  const me = useMe();
  const recent = useQuery({
    queryKey: messageKeys.recent(),
    queryFn: () => api<Page<Message>>('GET', '/v1/messages?limit=5'),
  });
  const canSeeCampaigns = me.data?.permissions.includes('campaigns:read') ?? false;
  const campaigns = useQuery({
    queryKey: campaignKeys.recent(),
    queryFn: () => api<Page<Campaign>>('GET', '/v1/campaigns?limit=5'),
    enabled: canSeeCampaigns,
  });
  const balance = me.data?.balance;
  const firstTime = recent.data && recent.data.data.length === 0;
  return (
    <div>
      <h1 tabIndex={-1}>{search.get('welcome') ? `Welcome, ${me.data?.user.name ?? ''}` : 'Dashboard'}</h1>
      {balance ? (
        <section className="card" aria-labelledby="balance-h">
          <h2 id="balance-h">Balance</h2>
          <dl className="stats">
            <div>
              <dt>Credits</dt>
              <dd data-testid="credits">{formatCredits(balance.credits)}</dd>
            </div>
            <div>
              <dt>Reserved</dt>
              <dd>{formatCredits(balance.reserved)}</dd>
            </div>
            <div>
              <dt>Available</dt>
              <dd>{formatCredits(balance.available)}</dd>
            </div>
            {balance.locked ? (
              <div>
                <dt>Waiting for your e-mail</dt>
                <dd data-testid="locked-credits">{formatCredits(balance.locked)}</dd>
              </div>
            ) : null}
          </dl>
        </section>
      ) : null}
      {firstTime && balance ? (
        <section className="card highlight" aria-labelledby="first-h">
          <h2 id="first-h">Send your first SMS</h2>
          <p>
            You have <strong>{formatCredits(balance.available + (balance.locked ?? 0))} free credits</strong>
            {balance.locked ? ' (confirm your e-mail first)' : ''}. Try them out: send a text to your own
            phone and watch it get delivered.
          </p>
          <ol className="steps">
            <li>Type a phone number in international format, e.g. +37120000000.</li>
            <li>Write your message: the counter shows how many SMS parts it takes and what it costs.</li>
            <li>Send, and follow its status until it is delivered.</li>
          </ol>
          <Link to="/send" className="button primary">
            Send your first SMS
          </Link>
        </section>
      ) : null}
      <MessageStats />
      {campaigns.data && campaigns.data.data.length > 0 ? (
        <section className="card" aria-labelledby="recent-campaigns-h">
          <h2 id="recent-campaigns-h">Recent campaigns</h2>
          <ul className="list" data-testid="recent-campaigns">
            {campaigns.data.data.map((c) => (
              <li key={c.id}>
                <Link to={`/campaigns/${c.id}`}>{c.name}</Link> <CampaignBadge status={c.status} />
                <span className="muted">
                  {' '}
                  {c.recipients} recipients · {formatTime(c.createdAt)}
                </span>
              </li>
            ))}
          </ul>
          <p>
            <Link to="/campaigns">All campaigns</Link>
          </p>
        </section>
      ) : null}
      {recent.data && recent.data.data.length > 0 ? (
        <section className="card" aria-labelledby="recent-h">
          <h2 id="recent-h">Recent messages</h2>
          <ul className="list">
            {recent.data.data.map((m) => (
              <li key={m.id}>
                <Link to={`/messages/${m.id}`}>{m.to}</Link> <StatusBadge status={m.status} />
                <span className="muted"> {formatTime(m.createdAt)}</span>
              </li>
            ))}
          </ul>
          <p>
            <Link to="/send" className="button primary">
              Send an SMS
            </Link>{' '}
            <Link to="/messages">All messages</Link>
          </p>
        </section>
      ) : null}
    </div>
  );
}
