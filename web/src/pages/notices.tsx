import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, formatTime, type Page, problemFields, query } from '../api';
import { complianceKeys } from '../api/compliance';
import { LoadMore } from '../components/load-more';
import { PageLayout } from '../components/page';
import { FormError, TextArea } from '../forms';
import { usePageTitle } from '../router';

export interface Notice {
  id: string;
  kind: 'sub_processor_change' | 'incident' | 'policy_version';
  title: string;
  body: string;
  ref: { type: string; id: string } | null;
  objectionDeadline: string | null;
  createdAt: string;
  read: boolean;
  readAt: string | null;
}

interface SubProcessor {
  id: string;
  name: string;
  purpose: string;
  location: string;
  transferSafeguard: string | null;
}

const KIND_LABEL: Record<Notice['kind'], string> = {
  sub_processor_change: 'Sub-processor change',
  incident: 'Security incident',
  policy_version: 'Privacy policy',
};

/** How many notices are unread (at most 100 counted; more shows as "99+"). */
export function useUnreadNotices() {
  return useQuery({
    queryKey: complianceKeys.unreadNotices(),
    queryFn: async () => {
      const page = await api<Page<Notice>>('GET', `/v1/notices${query({ unread: 'true', limit: 100 })}`);
      return page.nextCursor ? 100 : page.data.length;
    },
    refetchInterval: 60_000,
  });
}

/** The unread count next to "Notices" in the navigation. */
export function NoticesBadge() {
  const unread = useUnreadNotices();
  const n = unread.data ?? 0;
  if (n === 0) return null;
  return (
    <span className="nav-count" data-testid="notices-unread">
      <span className="sr-only">, </span>
      {n > 99 ? '99+' : n}
      <span className="sr-only"> unread</span>
    </span>
  );
}

function ObjectionForm({ notice, onDone }: { notice: Notice; onDone: () => void }) {
  const client = useQueryClient();
  const id = notice.ref?.id ?? '';
  const object = useMutation({
    mutationFn: (reason: string) =>
      api<{ id: string; createdAt: string }>('POST', `/v1/sub-processors/${id}/objections`, { reason }, true),
    onSuccess: () => client.invalidateQueries({ queryKey: complianceKeys.notices() }),
  });
  // The window, the second objection and a missing reason all concern the reason the user typed.
  const { fields, general } = problemFields(object.error, {
    objection_window_closed: 'reason',
    already_objected: 'reason',
  });
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    object.mutate(String(new FormData(e.currentTarget).get('reason') ?? '').trim());
  };
  if (object.isSuccess)
    return (
      <p role="status" className="notice">
        Your objection was sent to the operator on {formatTime(object.data.createdAt)}.
      </p>
    );
  return (
    <form noValidate onSubmit={onSubmit}>
      <TextArea
        label="Why do you object?"
        name="reason"
        rows={3}
        required
        error={fields.reason}
        hint="The operator reads every objection and answers before the change takes effect for you."
      />
      <FormError message={general} />
      <div className="actions">
        <button type="submit" className="primary" disabled={object.isPending}>
          {object.isPending ? 'Sending…' : 'Send objection'}
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function NoticeCard({ notice }: { notice: Notice }) {
  const client = useQueryClient();
  const [objecting, setObjecting] = useState(false);
  const read = useMutation({
    mutationFn: () => api<Notice>('POST', `/v1/notices/${notice.id}/read`),
    onSuccess: () => client.invalidateQueries({ queryKey: complianceKeys.notices() }),
  });
  const deadline = notice.objectionDeadline ? Date.parse(notice.objectionDeadline) : null;
  const canObject = notice.ref?.type === 'sub_processor' && deadline !== null;
  const open = deadline !== null && deadline > Date.now();
  return (
    <li className={`card${notice.read ? '' : ' highlight'}`} data-testid="notice">
      <div className="row">
        <h2 className="notice-title">
          {notice.read ? null : <span className="sr-only">Unread: </span>}
          {notice.title}
        </h2>
        <span className={`badge badge-${notice.kind === 'incident' ? 'failed' : 'sent'}`}>
          {KIND_LABEL[notice.kind] ?? notice.kind}
        </span>
      </div>
      <p className="muted">
        {formatTime(notice.createdAt)}
        {notice.read ? ` · read ${formatTime(notice.readAt ?? undefined)}` : ' · unread'}
      </p>
      <p className="text-preview">{notice.body}</p>
      {canObject ? (
        <p>
          {open ? 'You can object until ' : 'The objection period ended on '}
          <strong>{formatTime(notice.objectionDeadline ?? undefined)}</strong>.
        </p>
      ) : null}
      <div className="actions">
        {notice.read ? null : (
          <button type="button" disabled={read.isPending} onClick={() => read.mutate()}>
            Mark read<span className="sr-only">: {notice.title}</span>
          </button>
        )}
        {canObject && !objecting ? (
          <button type="button" onClick={() => setObjecting(true)}>
            Object<span className="sr-only"> to this change</span>
          </button>
        ) : null}
      </div>
      <FormError message={problemFields(read.error).general} />
      {objecting ? <ObjectionForm notice={notice} onDone={() => setObjecting(false)} /> : null}
    </li>
  );
}

export function NoticesPage() {
  usePageTitle('Notices');
  const [unreadOnly, setUnreadOnly] = useState(false);
  const notices = useInfiniteQuery({
    queryKey: complianceKeys.noticeList(unreadOnly),
    queryFn: ({ pageParam }) =>
      api<Page<Notice>>(
        'GET',
        `/v1/notices${query({ limit: 50, cursor: pageParam, unread: unreadOnly ? 'true' : undefined })}`,
      ),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const subProcessors = useQuery({
    queryKey: complianceKeys.subProcessors(),
    queryFn: () => api<Page<SubProcessor>>('GET', '/v1/sub-processors'),
  });
  const rows = notices.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <PageLayout title="Notices">
      <p>
        The platform operator tells you here about new sub-processors, security incidents and policy changes.
      </p>
      <div className="field checkbox">
        <input
          id="unread-only"
          type="checkbox"
          checked={unreadOnly}
          onChange={(e) => setUnreadOnly(e.target.checked)}
        />
        <label htmlFor="unread-only">Unread only</label>
      </div>
      {notices.error ? <p role="alert">{(notices.error as Error).message}</p> : null}
      {notices.isPending ? <p>Loading…</p> : null}
      {notices.data && rows.length === 0 ? <p className="muted">No notices.</p> : null}
      <ul className="cards" data-testid="notices">
        {rows.map((n) => (
          <NoticeCard key={n.id} notice={n} />
        ))}
      </ul>
      <LoadMore pages={notices} />
      <section className="card" aria-labelledby="sub-processors-title">
        <h2 id="sub-processors-title">Sub-processors in use</h2>
        {subProcessors.isPending ? <p>Loading…</p> : null}
        {subProcessors.error ? <p role="alert">{(subProcessors.error as Error).message}</p> : null}
        {subProcessors.data && subProcessors.data.data.length === 0 ? (
          <p className="muted">None listed.</p>
        ) : null}
        <ul className="list">
          {subProcessors.data?.data.map((s) => (
            <li key={s.id}>
              <strong>{s.name}</strong> — {s.purpose}
              <br />
              <span className="muted">
                {s.location}
                {s.transferSafeguard ? ` · ${s.transferSafeguard}` : ''}
              </span>
            </li>
          ))}
        </ul>
      </section>
    </PageLayout>
  );
}
