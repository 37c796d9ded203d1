import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, formatTime, problemFields } from '../api';
import { CopyButton } from '../copy';
import { FormError, TextField } from '../forms';
import { toast } from '../toast';

interface SmppBind {
  mode: 'transmitter' | 'receiver' | 'transceiver';
  ip: string;
  boundAt: string;
  submits: number;
}

interface SmppCredential {
  id: string;
  systemId: string;
  allowedIps: string[] | null;
  maxBinds: number;
  createdAt: string;
  lastBindAt: string | null;
  lockedUntil: string | null;
  binds?: SmppBind[];
  password?: string;
}

const smppKeys = { all: ['smpp-credentials'] as const };

/**
 * SMPP credentials for software that speaks SMPP: a system_id and a password shown once, the addresses
 * allowed to bind, and the binds connected now.
 */
export function SmppCredentials() {
  const client = useQueryClient();
  const [created, setCreated] = useState<SmppCredential | null>(null);
  const list = useQuery({
    queryKey: smppKeys.all,
    queryFn: () => api<{ data: SmppCredential[]; pendingDeliveries: number }>('GET', '/v1/smpp/credentials'),
  });
  const create = useMutation({
    mutationFn: (body: { systemId?: string; allowedIps?: string[] }) =>
      api<SmppCredential>('POST', '/v1/smpp/credentials', body, true),
    onSuccess: (credential) => {
      setCreated(credential);
      return client.invalidateQueries({ queryKey: smppKeys.all });
    },
  });
  const remove = useMutation({
    mutationFn: (id: string) => api<void>('DELETE', `/v1/smpp/credentials/${id}`),
    onSuccess: () => {
      toast('SMPP credential deleted; its binds are closed.');
      return client.invalidateQueries({ queryKey: smppKeys.all });
    },
  });
  const { fields, general } = problemFields(create.error);
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const systemId = String(form.get('systemId') ?? '').trim();
    const ips = String(form.get('allowedIps') ?? '')
      .split(/[\s,]+/)
      .filter(Boolean);
    create.mutate({ ...(systemId ? { systemId } : {}), ...(ips.length > 0 ? { allowedIps: ips } : {}) });
    e.currentTarget.reset();
  };
  const pending = list.data?.pendingDeliveries ?? 0;
  return (
    <section className="card" aria-labelledby="smpp-h">
      <h2 id="smpp-h">SMPP</h2>
      <p className="muted">
        Bind with any SMPP v3.4 client (transmitter, receiver or transceiver) to send, and to receive delivery
        receipts and replies as deliver_sm. Ask your operator for the host and port.
      </p>
      {created?.password ? (
        <div className="notice" role="status">
          <p>
            system_id <strong>{created.systemId}</strong>. Copy the password now: it is shown only once.
          </p>
          <code className="secret" data-testid="new-smpp-password">
            {created.password}
          </code>
          <CopyButton text={created.password} label="the SMPP password" />
        </div>
      ) : null}
      <form onSubmit={onSubmit} noValidate className="inline-form">
        <TextField label="system_id (optional)" name="systemId" error={fields.systemId} placeholder="acme" />
        <TextField
          label="Allowed IP addresses (optional)"
          name="allowedIps"
          error={fields.allowedIps}
          placeholder="203.0.113.5, 203.0.113.6"
        />
        <button type="submit" disabled={create.isPending}>
          Create SMPP credential
        </button>
      </form>
      <FormError message={general} />
      {pending > 0 ? (
        <p data-testid="smpp-pending">{pending} receipt(s) and replies wait for a receiver bind.</p>
      ) : null}
      <ul className="list">
        {list.data?.data.map((c) => (
          <li key={c.id} className="row">
            <span>
              <strong>{c.systemId}</strong>{' '}
              <span className="muted">
                {c.binds && c.binds.length > 0
                  ? `${c.binds.length} of ${c.maxBinds} binds connected (${c.binds
                      .map((b) => `${b.mode} from ${b.ip}, ${b.submits} sent`)
                      .join('; ')})`
                  : `no bind connected (up to ${c.maxBinds})`}
              </span>
              <br />
              <span className="muted">
                created {formatTime(c.createdAt)}
                {c.lastBindAt ? `, last bound ${formatTime(c.lastBindAt)}` : ', never bound'}
                {c.allowedIps ? `, only from ${c.allowedIps.join(', ')}` : ''}
                {c.lockedUntil && Date.parse(c.lockedUntil) > Date.now()
                  ? `, locked after wrong passwords until ${formatTime(c.lockedUntil)}`
                  : ''}
              </span>
            </span>
            <button type="button" className="danger" onClick={() => remove.mutate(c.id)}>
              Delete<span className="sr-only"> {c.systemId}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
