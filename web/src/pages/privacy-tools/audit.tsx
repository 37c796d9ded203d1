import { useMutation } from '@tanstack/react-query';
import { api, problemFields } from '../../api';
import { FormError } from '../../forms';
import { Link } from '../../router';

/** The account's audit trail: its exports, and a check that no entry was altered. */
export function AuditSection() {
  const verify = useMutation({
    mutationFn: () =>
      api<{ ok: boolean; events: number; firstBrokenSeq?: number }>('GET', '/v1/audit-log/verify'),
  });
  return (
    <section className="card" aria-labelledby="audit-title">
      <h2 id="audit-title">Audit trail</h2>
      <p>
        Every change is recorded in a hash-chained log. Export it for your auditor, or check here that no
        entry was altered. <Link to="/audit">Read the audit log</Link>
      </p>
      <div className="actions">
        <a className="button" href="/v1/audit-log/export?format=json" download="audit-log.json">
          Export JSON
        </a>
        <a className="button" href="/v1/audit-log/export?format=csv" download="audit-log.csv">
          Export CSV
        </a>
        <button type="button" disabled={verify.isPending} onClick={() => verify.mutate()}>
          {verify.isPending ? 'Verifying…' : 'Verify the chain'}
        </button>
      </div>
      {verify.data ? (
        <p role="status" className={verify.data.ok ? 'notice' : 'form-error'} data-testid="audit-verify">
          {verify.data.ok
            ? `The chain is intact: ${verify.data.events} events checked.`
            : `The chain is broken at event ${verify.data.firstBrokenSeq ?? '?'} (of ${verify.data.events}).`}
        </p>
      ) : null}
      <FormError message={problemFields(verify.error).general} />
    </section>
  );
}
