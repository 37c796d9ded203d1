import { useQuery } from '@tanstack/react-query';
import { api, formatCredits } from '../../api';
import { type Campaign, type CampaignStats, campaignKeys } from '../../api/campaigns';
import { moving } from './status';
import { type VariantStats, VariantTable } from './variant-table';

interface CountryStats {
  country: string | null;
  messages: number;
  sent: number;
  delivered: number;
  failed: number;
  undelivered: number;
  cost: number;
}

/** Sent and delivered per hour (the last 24 hours with traffic), as bars. */
function OverTime({ hours }: { hours: Array<{ hour: string; sent: number; delivered: number }> }) {
  const max = Math.max(1, ...hours.map((h) => Math.max(h.sent, h.delivered)));
  return (
    <table className="chart" data-testid="campaign-over-time">
      <caption>Sent and delivered per hour</caption>
      <thead>
        <tr>
          <th scope="col">Hour</th>
          <th scope="col">Sent</th>
          <th scope="col">Delivered</th>
        </tr>
      </thead>
      <tbody>
        {hours.map((h) => (
          <tr key={h.hour}>
            <th scope="row">
              {new Date(h.hour).toLocaleString(undefined, {
                weekday: 'short',
                hour: '2-digit',
                minute: '2-digit',
              })}
            </th>
            {(['sent', 'delivered'] as const).map((k) => (
              <td key={k}>
                <span className={`bar bar-${k}`} style={{ width: `${(h[k] / max) * 100}%` }} />
                <span className="bar-value">{h[k]}</span>
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A started campaign's progress: its counts, the split's variants, sends per hour and per country. */
export function Stats({ campaign }: { campaign: Campaign }) {
  const s = campaign.stats;
  // The detail follows the summary: a new count (the campaign page polls it) fetches it again.
  const progress = s ? [s.queued, s.sent, s.delivered, s.undelivered, s.failed].join('/') : '';
  const byCountry = useQuery({
    queryKey: campaignKeys.stats(campaign.id, progress, campaign.status),
    queryFn: () =>
      api<
        CampaignStats & {
          variants?: VariantStats[];
          byCountry: CountryStats[];
          overTime: Array<{ hour: string; sent: number; delivered: number }>;
        }
      >('GET', `/v1/campaigns/${campaign.id}/stats`),
    refetchInterval: moving(campaign) ? 3_000 : false,
  });
  if (!s) return null;
  // `sent` already holds the delivered and undelivered ones: they are parts of it, not additions.
  const percent = s.recipients > 0 ? Math.min(100, Math.round((s.sent / s.recipients) * 100)) : 0;
  return (
    <section className="card" aria-labelledby="cstats-h">
      <h2 id="cstats-h">Progress</h2>
      <div className="progress-row">
        <label htmlFor="campaign-progress" className="progress-label">
          Handed to carriers
        </label>
        <progress id="campaign-progress" max={100} value={percent}>
          {percent}%
        </progress>
        <span data-testid="campaign-progress-text">
          {percent} % ({s.sent} of {s.recipients})
        </span>
      </div>
      <dl className="stats" data-testid="campaign-stats">
        <div>
          <dt>Recipients</dt>
          <dd>{s.recipients}</dd>
        </div>
        <div>
          <dt>Waiting</dt>
          <dd>{s.queued}</dd>
        </div>
        <div>
          <dt>Handed to carriers</dt>
          <dd>{s.sent}</dd>
        </div>
        <div>
          <dt>Delivered</dt>
          <dd>{s.delivered}</dd>
        </div>
        <div>
          <dt>Undelivered</dt>
          <dd>{s.undelivered}</dd>
        </div>
        <div>
          <dt>Failed</dt>
          <dd>{s.failed}</dd>
        </div>
        <div>
          <dt>Opted out</dt>
          <dd>{s.optedOut}</dd>
        </div>
        <div>
          <dt>Clicks</dt>
          <dd>{s.uniqueClicks}</dd>
        </div>
        <div>
          <dt>Charged</dt>
          <dd>{formatCredits(s.cost)}</dd>
        </div>
      </dl>
      {byCountry.data?.variants ? <VariantTable variants={byCountry.data.variants} /> : null}
      {byCountry.data && byCountry.data.overTime.length > 0 ? (
        <OverTime hours={byCountry.data.overTime.slice(-24)} />
      ) : null}
      {byCountry.data && byCountry.data.byCountry.length > 0 ? (
        <div className="table-wrap">
          <table className="data" aria-label="By country">
            <thead>
              <tr>
                <th scope="col">Country</th>
                <th scope="col" className="num">
                  Messages
                </th>
                <th scope="col" className="num">
                  Delivered
                </th>
                <th scope="col" className="num">
                  Undelivered
                </th>
                <th scope="col" className="num">
                  Failed
                </th>
                <th scope="col" className="num">
                  Cost
                </th>
              </tr>
            </thead>
            <tbody>
              {byCountry.data.byCountry.map((c) => (
                <tr key={c.country ?? '-'}>
                  <td>{c.country ?? '—'}</td>
                  <td className="num">{c.messages}</td>
                  <td className="num">{c.delivered}</td>
                  <td className="num">{c.undelivered}</td>
                  <td className="num">{c.failed}</td>
                  <td className="num">{formatCredits(c.cost)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
