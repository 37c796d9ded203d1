import { formatTime } from '../api';
import type { PrivacyRequest } from '../api/compliance';
import { StatusBadge } from '../forms';

/** A data subject's request as the account and the operator both see it: who, what, status and dates. */
export function PrivacyRequestSummary({ request }: { request: PrivacyRequest }) {
  const who = [request.subject.name, request.subject.phone, request.subject.email]
    .filter(Boolean)
    .join(' · ');
  return (
    <>
      <div className="row">
        <strong>
          {request.kind} request{who ? `: ${who}` : ''}
        </strong>
        <span>
          <StatusBadge status={request.status} />{' '}
          {request.overdue ? <span className="badge badge-failed">overdue</span> : null}
        </span>
      </div>
      <p className="muted">
        Received {request.source === 'sms' ? 'by SMS ' : ''}
        {formatTime(request.receivedAt)} · due <strong>{formatTime(request.dueAt)}</strong>
        {request.closedAt ? ` · closed ${formatTime(request.closedAt)}` : ''}
      </p>
      {request.message ? <p className="text-preview">{request.message}</p> : null}
      {request.note ? <p>Answer: {request.note}</p> : null}
    </>
  );
}
