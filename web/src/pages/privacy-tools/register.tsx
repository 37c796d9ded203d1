import { useQuery } from '@tanstack/react-query';
import { api, formatTime } from '../../api';
import { complianceKeys } from '../../api/compliance';
import { DetailRow } from '../../components/detail-row';

interface Counted {
  category: string;
  count: number;
}

interface Register {
  scope: string;
  controller: { accountId?: string; name: string };
  processor: { name: string; contact: string };
  generatedAt: string;
  categoriesOfDataSubjects: Counted[];
  categoriesOfPersonalData: Counted[];
  purposes: string[];
  subProcessors: Array<{
    id: string;
    name: string;
    purpose: string;
    location: string;
    transferSafeguard: string | null;
  }>;
  transfers: Array<{ recipient: string; location: string; safeguard: string | null }>;
  retentionPeriods: Array<{ rule: string; description: string; days: number }>;
  securityMeasures: string[];
}

function CountList({ items }: { items: Counted[] }) {
  return (
    <dl className="details">
      {items.map((c) => (
        <DetailRow key={c.category} label={c.category} value={c.count.toLocaleString()} />
      ))}
    </dl>
  );
}

/** The register of processing, as the server writes it for this account. */
function RegisterView({ register }: { register: Register }) {
  return (
    <div className="register" data-testid="register">
      <p className="muted">
        Generated {formatTime(register.generatedAt)} · controller <strong>{register.controller.name}</strong>{' '}
        · processor <strong>{register.processor.name}</strong> ({register.processor.contact})
      </p>
      <h3>People whose data is held</h3>
      <CountList items={register.categoriesOfDataSubjects} />
      <h3>Personal data held</h3>
      <CountList items={register.categoriesOfPersonalData} />
      <h3>Purposes</h3>
      <ul>
        {register.purposes.map((p) => (
          <li key={p}>{p}</li>
        ))}
      </ul>
      <h3>Sub-processors</h3>
      {register.subProcessors.length === 0 ? <p className="muted">None.</p> : null}
      <ul>
        {register.subProcessors.map((s) => (
          <li key={s.id}>
            <strong>{s.name}</strong> — {s.purpose}; {s.location}
            {s.transferSafeguard ? `; ${s.transferSafeguard}` : ''}
          </li>
        ))}
      </ul>
      <h3>Transfers outside the EEA</h3>
      {register.transfers.length === 0 ? <p className="muted">None.</p> : null}
      <ul>
        {register.transfers.map((t) => (
          <li key={`${t.recipient}-${t.location}`}>
            {t.recipient} ({t.location}): {t.safeguard ?? 'no safeguard recorded'}
          </li>
        ))}
      </ul>
      <h3>Retention periods</h3>
      <dl className="details">
        {register.retentionPeriods.map((p) => (
          <DetailRow key={p.rule} label={p.description} value={`${p.days} days`} />
        ))}
      </dl>
      <h3>Security measures</h3>
      <ul>
        {register.securityMeasures.map((m) => (
          <li key={m}>{m}</li>
        ))}
      </ul>
    </div>
  );
}

export function RegisterSection() {
  const register = useQuery({
    queryKey: complianceKeys.register(),
    queryFn: () => api<Register>('GET', '/v1/privacy/register'),
  });
  return (
    <section className="card" aria-labelledby="register-title">
      <div className="row">
        <h2 id="register-title">Register of processing</h2>
        <a className="button" href="/v1/privacy/register?format=md" download="register-of-processing.md">
          Download (Markdown)
        </a>
      </div>
      {register.isPending ? <p>Loading…</p> : null}
      {register.error ? <p role="alert">{(register.error as Error).message}</p> : null}
      {register.data ? <RegisterView register={register.data} /> : null}
    </section>
  );
}
