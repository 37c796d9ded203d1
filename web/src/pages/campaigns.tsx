import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, formatCredits, formatTime, type Page, problemFields, query } from '../api';
import { campaignKeys } from '../api/campaigns';
import { LoadMore } from '../components/load-more';
import { PageLayout } from '../components/page';
import { useConfirm } from '../confirm';
import { FormError } from '../forms';
import { useGroups } from '../hooks/use-groups';
import { Link, navigate, usePageTitle } from '../router';
import { CampaignBadge } from './campaign-badge';
import { FailedRecipients } from './campaign-failed';
import { type VariantStats, VariantTable } from './campaign-variants';

interface CampaignStats {
  recipients: number;
  queued: number;
  sent: number;
  delivered: number;
  undelivered: number;
  failed: number;
  optedOut: number;
  clicks: number;
  uniqueClicks: number;
  cost: number;
}

export interface Campaign {
  id: string;
  name: string;
  status: 'draft' | 'scheduled' | 'sending' | 'paused' | 'completed' | 'cancelled';
  text: string | null;
  from: string | null;
  type: 'marketing' | 'transactional';
  groupIds: string[];
  contactFilter: { tags?: string[]; countries?: string[] } | null;
  sendAt: string | null;
  timezone: string;
  quietHours: 'account_default' | { start: string; end: string } | null;
  speedPerMinute: number | null;
  trackLinks: boolean;
  attachmentId: string | null;
  /** An A/B split: `text` is variant A's. */
  variants: Array<{ label: string; text: string; percent: number }> | null;
  /** A "resend to failed" draft: the campaign whose failed recipients it goes to. */
  resendOf: string | null;
  recipients: number;
  reservedCredits: number;
  fanout: { processed: number; done: boolean };
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  completedAt: string | null;
  stats?: CampaignStats;
}

export interface CampaignPreview {
  recipients: number;
  segments: number;
  cost: number;
  currency: string;
  longest: { text: string; encoding: string; segments: number } | null;
  byCountry: Array<{ country: string | null; recipients: number; cost: number }>;
  samples: Array<{
    to: string;
    text: string;
    encoding: string;
    segments: number;
    price: number;
    variant?: string;
  }>;
  variants?: Array<{ label: string; recipients: number; segments: number; cost: number }>;
}

interface CountryStats {
  country: string | null;
  messages: number;
  sent: number;
  delivered: number;
  failed: number;
  undelivered: number;
  cost: number;
}

const LIVE = new Set(['scheduled', 'sending', 'paused']);

/** Still changing: live, or cancelled while its unsent messages are being failed in the background. */
function moving(c: Campaign): boolean {
  return LIVE.has(c.status) || (c.status === 'cancelled' && (c.stats?.queued ?? 0) > 0);
}

/**
 * Finished handing messages over, but some delivery reports are still to come (for a day at most: a
 * carrier may never send one), so the figures and the failed recipients still change.
 */
function awaitingReports(c: Campaign): boolean {
  const s = c.stats;
  if (c.status !== 'completed' || !s || !c.completedAt) return false;
  if (Date.now() - new Date(c.completedAt).getTime() > 24 * 3600_000) return false;
  return s.sent > s.delivered + s.undelivered;
}

export function CampaignsPage() {
  usePageTitle('Campaigns');
  const list = useInfiniteQuery({
    queryKey: campaignKeys.pages(),
    queryFn: ({ pageParam }) =>
      api<Page<Campaign>>('GET', `/v1/campaigns${query({ limit: 50, cursor: pageParam })}`),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    refetchInterval: 5_000,
  });
  const rows = list.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <PageLayout title="Campaigns">
      <div className="toolbar">
        <Link to="/campaigns/new" className="button primary">
          New campaign
        </Link>
        <Link to="/templates" className="button">
          Templates
        </Link>
      </div>
      {list.isPending ? <p>Loading…</p> : null}
      {list.error ? <p role="alert">{(list.error as Error).message}</p> : null}
      {list.data && rows.length === 0 ? <p className="muted">No campaigns yet.</p> : null}
      <ul className="cards" data-testid="campaigns">
        {rows.map((c) => (
          <li key={c.id} className="card">
            <div className="row">
              <Link to={`/campaigns/${c.id}`}>{c.name}</Link>
              <CampaignBadge status={c.status} />
            </div>
            <p className="muted">
              {c.type} · {c.recipients} recipients · created {formatTime(c.createdAt)}
            </p>
          </li>
        ))}
      </ul>
      <LoadMore pages={list} />
    </PageLayout>
  );
}

function PreviewCard({ preview }: { preview: CampaignPreview }) {
  return (
    <section className="card" aria-labelledby="cpreview-h" data-testid="campaign-preview">
      <h2 id="cpreview-h">Preview</h2>
      <dl className="stats">
        <div>
          <dt>Recipients</dt>
          <dd>{preview.recipients}</dd>
        </div>
        <div>
          <dt>Parts</dt>
          <dd>{preview.segments}</dd>
        </div>
        <div>
          <dt>Cost ({preview.currency})</dt>
          <dd>{formatCredits(preview.cost)}</dd>
        </div>
      </dl>
      {preview.variants ? (
        <ul className="list" aria-label="Cost by variant">
          {preview.variants.map((v) => (
            <li key={v.label}>
              Variant {v.label}: {v.recipients} recipients, {v.segments} parts, {formatCredits(v.cost)}{' '}
              credits
            </li>
          ))}
        </ul>
      ) : null}
      {preview.samples.length > 0 ? (
        <ul className="list">
          {preview.samples.slice(0, 5).map((s) => (
            <li key={s.to}>
              <strong className="nowrap">{s.to}</strong>
              {s.variant ? ` (variant ${s.variant})` : ''}: <span className="text-preview">{s.text}</span>{' '}
              <span className="muted">
                ({s.encoding}, {s.segments} {s.segments === 1 ? 'part' : 'parts'})
              </span>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
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

function Stats({ campaign }: { campaign: Campaign }) {
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

export function CampaignPage({ id }: { id: string }) {
  usePageTitle('Campaign');
  const client = useQueryClient();
  const campaign = useQuery({
    queryKey: campaignKeys.detail(id),
    queryFn: () => api<Campaign>('GET', `/v1/campaigns/${encodeURIComponent(id)}`),
    refetchInterval: (q) =>
      q.state.data && moving(q.state.data)
        ? 2_000
        : q.state.data && awaitingReports(q.state.data)
          ? 5_000
          : false,
  });
  const groups = useGroups();
  const preview = useMutation({
    mutationFn: () => api<CampaignPreview>('POST', `/v1/campaigns/${encodeURIComponent(id)}/preview`),
  });
  const action = useMutation({
    mutationFn: (what: 'start' | 'pause' | 'resume' | 'cancel' | 'delete') =>
      what === 'delete'
        ? api<unknown>('DELETE', `/v1/campaigns/${encodeURIComponent(id)}`)
        : api<unknown>('POST', `/v1/campaigns/${encodeURIComponent(id)}/${what}`),
    onSuccess: async (_r, what) => {
      await client.invalidateQueries({ queryKey: campaignKeys.all });
      if (what === 'delete') navigate('/campaigns');
      else await client.invalidateQueries({ queryKey: campaignKeys.one(id) });
    },
  });
  const c = campaign.data;
  const groupName = (g: string) => groups.data?.data.find((x) => x.id === g)?.name ?? g;
  const error = problemFields(action.error ?? preview.error).general;
  // Starting sends real messages and cancelling cannot be undone: both are confirmed first.
  const [confirm, confirmDialog] = useConfirm();
  const onStart = async () => {
    if (
      await confirm({
        title: `Start ${c?.name ?? 'the campaign'}?`,
        body: (
          <p>
            Its messages are sent to every recipient (or at the scheduled time), and the credits are reserved.
          </p>
        ),
        confirmLabel: 'Start campaign',
      })
    )
      action.mutate('start');
  };
  const onCancel = async () => {
    if (
      await confirm({
        title: `Cancel ${c?.name ?? 'the campaign'}?`,
        body: (
          <p>Messages not sent yet are not sent, and their credits are released. This cannot be undone.</p>
        ),
        confirmLabel: 'Cancel campaign',
        danger: true,
      })
    )
      action.mutate('cancel');
  };
  return (
    <PageLayout title="Campaign">
      {campaign.error ? <p role="alert">{(campaign.error as Error).message}</p> : null}
      {c ? (
        <>
          <section className="card">
            <div className="row">
              <h2>{c.name}</h2>
              <span data-testid="campaign-status" aria-live="polite">
                <CampaignBadge status={c.status} />
              </span>
            </div>
            {c.variants ? (
              <ul className="list" aria-label="Variants" data-testid="campaign-variants">
                {c.variants.map((v) => (
                  <li key={v.label}>
                    <strong>
                      {v.label} · {v.percent} %
                    </strong>
                    : <span className="text-preview">{v.text}</span>
                  </li>
                ))}
              </ul>
            ) : c.text ? (
              <p className="text-preview">{c.text}</p>
            ) : null}
            {c.status === 'draft' ? (
              <p>
                <Link to={`/campaigns/${c.id}/edit`} className="button">
                  Edit draft
                </Link>
              </p>
            ) : null}
            <dl className="details">
              <dt>Type</dt>
              <dd>{c.type}</dd>
              <dt>{c.resendOf ? 'Audience' : 'Groups'}</dt>
              <dd>
                {c.resendOf ? (
                  <>
                    the failed recipients of{' '}
                    <Link to={`/campaigns/${c.resendOf}`}>the original campaign</Link>
                  </>
                ) : (
                  c.groupIds.map(groupName).join(', ')
                )}
              </dd>
              {c.attachmentId ? (
                <>
                  <dt>Attachment</dt>
                  <dd>a link to the file for each recipient</dd>
                </>
              ) : null}
              {c.contactFilter?.tags?.length ? (
                <>
                  <dt>Tags</dt>
                  <dd>{c.contactFilter.tags.join(', ')}</dd>
                </>
              ) : null}
              {c.contactFilter?.countries?.length ? (
                <>
                  <dt>Countries</dt>
                  <dd>{c.contactFilter.countries.join(', ')}</dd>
                </>
              ) : null}
              <dt>Send</dt>
              <dd>{c.sendAt ? `${formatTime(c.sendAt)} (${c.timezone})` : 'when started'}</dd>
              <dt>Quiet hours</dt>
              <dd>
                {c.quietHours === 'account_default'
                  ? "the account's"
                  : c.quietHours
                    ? `${c.quietHours.start}–${c.quietHours.end}`
                    : 'none'}
              </dd>
              {LIVE.has(c.status) ? (
                <>
                  <dt>Reserved</dt>
                  <dd>{formatCredits(c.reservedCredits)} credits</dd>
                </>
              ) : null}
            </dl>
            <div className="toolbar">
              {c.status === 'draft' ? (
                <>
                  <button type="button" onClick={() => preview.mutate()} disabled={preview.isPending}>
                    {preview.isPending ? 'Counting…' : 'Preview cost'}
                  </button>
                  <button type="button" className="primary" onClick={onStart} disabled={action.isPending}>
                    Start campaign
                  </button>
                  <button type="button" className="danger" onClick={() => action.mutate('delete')}>
                    Delete draft
                  </button>
                </>
              ) : null}
              {c.status === 'scheduled' || c.status === 'sending' ? (
                <button type="button" onClick={() => action.mutate('pause')} disabled={action.isPending}>
                  Pause
                </button>
              ) : null}
              {c.status === 'paused' ? (
                <button type="button" onClick={() => action.mutate('resume')} disabled={action.isPending}>
                  Resume
                </button>
              ) : null}
              {LIVE.has(c.status) ? (
                <button type="button" className="danger" onClick={onCancel} disabled={action.isPending}>
                  Cancel campaign
                </button>
              ) : null}
            </div>
            <FormError message={error} />
            {confirmDialog}
          </section>
          {preview.data && c.status === 'draft' ? <PreviewCard preview={preview.data} /> : null}
          {c.status !== 'draft' ? <Stats campaign={c} /> : null}
          {c.status !== 'draft' ? <FailedRecipients campaign={c} /> : null}
        </>
      ) : null}
      <p>
        <Link to="/campaigns">All campaigns</Link>
      </p>
    </PageLayout>
  );
}
