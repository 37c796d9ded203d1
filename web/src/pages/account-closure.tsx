import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, formatTime, type Me, problemFields } from '../api';
import { accountKeys } from '../api/account';
import { PageLayout } from '../components/page';
import { FormError } from '../forms';
import { Link, usePageTitle } from '../router';
import { useMe } from '../session';

interface ClosureView {
  account: { id: string; name: string; status: string; closedAt: string | null };
  contactsPurgeAt: string | null;
  messagesPurgeAt: string | null;
}

function useRestore() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => api<ClosureView>('POST', '/v1/account/restore'),
    onSuccess: () => client.invalidateQueries({ queryKey: accountKeys.me() }),
  });
}

const DAY_MS = 24 * 3600_000;
const purgeDate = (closedAt: string | null | undefined, days: number) =>
  closedAt ? formatTime(new Date(Date.parse(closedAt) + days * DAY_MS).toISOString()) : null;

/** On every page of a closed account: what is going to happen, and the way back. */
export function ClosedAccountBanner({ me }: { me: Me }) {
  const restore = useRestore();
  if (me.account.status !== 'closed') return null;
  const closedAt = me.account.closedAt;
  const canRestore = me.permissions.includes('account:manage');
  return (
    <section
      className="notice closed-banner"
      aria-labelledby="closed-banner-title"
      data-testid="closed-banner"
    >
      <h2 id="closed-banner-title">This account is closed</h2>
      <p>
        Sending is stopped.{' '}
        {closedAt
          ? `Contacts will be purged on ${purgeDate(closedAt, 60)} and messages on ${purgeDate(closedAt, 120)}.`
          : 'Contacts are purged 60 days and messages 120 days after closure.'}{' '}
        Restoring brings the account back, without what was purged by then.
      </p>
      {canRestore ? (
        <button
          type="button"
          className="primary"
          disabled={restore.isPending}
          onClick={() => restore.mutate()}
        >
          {restore.isPending ? 'Restoring…' : 'Restore the account'}
        </button>
      ) : (
        <p className="muted">Ask the account owner to restore it.</p>
      )}
      <FormError message={problemFields(restore.error).general} />
    </section>
  );
}

export function AccountClosurePage() {
  usePageTitle('Close the account');
  const me = useMe();
  const client = useQueryClient();
  const [result, setResult] = useState<ClosureView | null>(null);
  const close = useMutation({
    mutationFn: (confirmDeletion: boolean) =>
      api<ClosureView>('POST', '/v1/account/close', { confirmDeletion }),
    onSuccess: async (answer) => {
      setResult(answer);
      await client.invalidateQueries({ queryKey: accountKeys.me() });
    },
  });
  const restore = useRestore();
  const { fields, general } = problemFields(close.error, { deletion_not_confirmed: 'confirmDeletion' });
  if (!me.data) return null;
  const closed = me.data.account.status === 'closed';
  const isOwner = me.data.permissions.includes('account:manage');
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    close.mutate(new FormData(e.currentTarget).get('confirmDeletion') === 'on');
  };
  return (
    <PageLayout title="Close the account" className="narrow">
      <div className="card prose">
        <h2>What happens</h2>
        <ul>
          <li>Sending stops at once. Messages not sent yet fail and their credits are released.</li>
          <li>
            <strong>Contacts are purged 60 days</strong> after closure, with their groups, tags and consents.
          </li>
          <li>
            <strong>Messages are purged 120 days</strong> after closure: sent and received ones.
          </li>
          <li>
            You and your team can still log in, export what you need, and <strong>restore the account</strong>{' '}
            at any time. What was purged by then stays purged.
          </li>
        </ul>
      </div>
      {closed ? (
        <div className="card" role="status">
          <p>
            The account was closed
            {me.data.account.closedAt ? ` on ${formatTime(me.data.account.closedAt)}` : ''}.
            {result?.contactsPurgeAt
              ? ` Contacts will be purged on ${formatTime(result.contactsPurgeAt)}, messages on ${formatTime(result.messagesPurgeAt ?? undefined)}.`
              : ''}
          </p>
          {isOwner ? (
            <button
              type="button"
              className="primary"
              disabled={restore.isPending}
              onClick={() => restore.mutate()}
            >
              {restore.isPending ? 'Restoring…' : 'Restore the account'}
            </button>
          ) : null}
          <FormError message={problemFields(restore.error).general} />
        </div>
      ) : isOwner ? (
        <form className="card" noValidate onSubmit={onSubmit}>
          <div className="field checkbox">
            <input
              id="confirmDeletion"
              name="confirmDeletion"
              type="checkbox"
              aria-invalid={fields.confirmDeletion ? true : undefined}
              aria-describedby={fields.confirmDeletion ? 'confirmDeletion-err' : undefined}
            />
            <label htmlFor="confirmDeletion">
              I consent to the deletion of the account's contacts after 60 days and its messages after 120
              days.
            </label>
            {fields.confirmDeletion ? (
              <p className="field-error" id="confirmDeletion-err" role="alert">
                {fields.confirmDeletion}
              </p>
            ) : null}
          </div>
          <FormError message={general} />
          <button type="submit" className="danger" disabled={close.isPending}>
            {close.isPending ? 'Closing…' : 'Close the account'}
          </button>
        </form>
      ) : (
        <p className="card">Only the account owner can close the account.</p>
      )}
      <p>
        <Link to="/privacy-tools">Privacy tools</Link> · <Link to="/account">Account settings</Link>
      </p>
    </PageLayout>
  );
}
