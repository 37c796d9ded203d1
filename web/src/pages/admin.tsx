import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, formatCredits, formatTime, type Page, problemFields } from '../api';
import { FormError, TextArea, TextField } from '../forms';
import { usePageTitle } from '../router';

interface Route {
  id: string;
  name: string;
  type: string;
  enabled: boolean;
  config: Record<string, unknown>;
  createdAt: string;
}

interface Account {
  id: string;
  name: string;
  status: string;
  createdAt: string;
  balance?: number;
}

const SMPP_TEMPLATE = JSON.stringify(
  {
    host: 'smsc.example.net',
    port: 2775,
    systemId: '',
    password: '',
    bindMode: 'transceiver',
    binds: 1,
    window: 10,
    throughput: 0,
  },
  null,
  2,
);

export function AdminRoutesPage() {
  usePageTitle('Routes');
  const client = useQueryClient();
  const [type, setType] = useState('simulator');
  const [configError, setConfigError] = useState<string | null>(null);
  const routes = useQuery({
    queryKey: ['admin-routes'],
    queryFn: () => api<Page<Route>>('GET', '/v1/admin/routes'),
  });
  const create = useMutation({
    mutationFn: (body: Record<string, unknown>) => api<Route>('POST', '/v1/admin/routes', body, true),
    onSuccess: () => client.invalidateQueries({ queryKey: ['admin-routes'] }),
  });
  const { fields, general } = problemFields(create.error);
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    let config: unknown = {};
    const raw = String(data.get('config') ?? '').trim();
    try {
      config = raw ? JSON.parse(raw) : {};
      setConfigError(null);
    } catch {
      setConfigError('The configuration is not valid JSON.');
      return;
    }
    const form = e.currentTarget;
    create.mutate(
      { name: data.get('name'), type, enabled: data.get('enabled') === 'on', config },
      { onSuccess: () => form.reset() },
    );
  };
  return (
    <div>
      <h1 tabIndex={-1}>Routes</h1>
      <section className="card" aria-labelledby="routes-h">
        <h2 id="routes-h">Routes</h2>
        {routes.data && routes.data.data.length === 0 ? <p className="muted">No routes yet.</p> : null}
        <ul className="list" data-testid="routes">
          {routes.data?.data.map((r) => (
            <li key={r.id} className="row">
              <span>
                <strong>{r.name}</strong> <span className="muted">{r.type}</span>
              </span>
              <span className={`badge ${r.enabled ? 'badge-delivered' : 'badge-failed'}`}>
                {r.enabled ? 'enabled' : 'disabled'}
              </span>
            </li>
          ))}
        </ul>
      </section>
      <section className="card" aria-labelledby="add-route-h">
        <h2 id="add-route-h">Add a route</h2>
        <form onSubmit={onSubmit} noValidate>
          <TextField label="Name" name="name" required error={fields.name} />
          <div className="field">
            <label htmlFor="route-type">Type</label>
            <select id="route-type" value={type} onChange={(e) => setType(e.target.value)}>
              <option value="simulator">Simulator (test traffic)</option>
              <option value="smpp">SMPP carrier</option>
            </select>
          </div>
          <div className="field checkbox">
            <input id="route-enabled" name="enabled" type="checkbox" defaultChecked />
            <label htmlFor="route-enabled">Enabled</label>
          </div>
          <TextArea
            key={type}
            label="Configuration (JSON)"
            name="config"
            rows={type === 'smpp' ? 10 : 3}
            defaultValue={type === 'smpp' ? SMPP_TEMPLATE : '{}'}
            error={configError ?? fields.config}
            hint={
              type === 'smpp' ? 'host, port, systemId, password, binds, window, throughput…' : 'Optional.'
            }
          />
          <FormError message={general} />
          <button type="submit" className="primary" disabled={create.isPending}>
            Add route
          </button>
        </form>
      </section>
    </div>
  );
}

export function AdminAccountsPage() {
  usePageTitle('Accounts');
  const accounts = useQuery({
    queryKey: ['admin-accounts'],
    queryFn: () => api<Page<Account>>('GET', '/v1/admin/accounts?limit=200'),
  });
  return (
    <div>
      <h1 tabIndex={-1}>Accounts</h1>
      {accounts.error ? <p role="alert">{(accounts.error as Error).message}</p> : null}
      <ul className="cards">
        {accounts.data?.data.map((a) => (
          <li key={a.id} className="card">
            <div className="row">
              <strong>{a.name}</strong>
              <span className={`badge badge-${a.status === 'active' ? 'delivered' : 'failed'}`}>
                {a.status}
              </span>
            </div>
            <p className="muted">
              <code>{a.id}</code> · created {formatTime(a.createdAt)}
              {a.balance !== undefined ? ` · ${formatCredits(a.balance)} credits` : ''}
            </p>
          </li>
        ))}
      </ul>
    </div>
  );
}
