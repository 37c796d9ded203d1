import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, formatCredits, formatTime, problemFields } from '../../api';
import { type CampaignPreview, campaignKeys } from '../../api/campaigns';
import { CampaignBadge } from '../../components/campaign-badge';
import { PageLayout } from '../../components/page';
import { useConfirm } from '../../confirm';
import { FormError } from '../../forms';
import { useCampaign } from '../../hooks/use-campaign';
import { useGroups } from '../../hooks/use-groups';
import { Link, navigate, usePageTitle } from '../../router';
import { FailedRecipients } from './failed-recipients';
import { PreviewCard } from './preview-card';
import { Stats } from './stats';
import { awaitingReports, LIVE, moving } from './status';

/** One campaign: its settings, the actions its status allows, and once started its figures. */
export function CampaignPage({ id }: { id: string }) {
  usePageTitle('Campaign');
  const client = useQueryClient();
  const campaign = useCampaign(id, {
    pollEvery: (c) => (moving(c) ? 2_000 : awaitingReports(c) ? 5_000 : false),
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
