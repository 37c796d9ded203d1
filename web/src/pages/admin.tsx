import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, type Page, problemFields } from '../api';
import { FormError, TextArea, TextField } from '../forms';
import { usePageTitle } from '../router';

export interface Route {
  id: string;
  name: string;
  type: string;
  enabled: boolean;
  config: Record<string, unknown>;
  createdAt: string;
}

interface RouteHealth {
  connectedBinds: number;
  inFlight: number;
  sentLastMinute: number;
  errorsLastMinute: number;
  lastError: string | null;
}

/** Live figures of one route, refreshed while the page is open. */
function Health({ id }: { id: string }) {
  const health = useQuery({
    queryKey: ['route-health', id],
    queryFn: () => api<RouteHealth>('GET', `/v1/admin/routes/${encodeURIComponent(id)}/health`),
    refetchInterval: 5_000,
  });
  if (health.error) return <p className="muted">Health unavailable: {(health.error as Error).message}</p>;
  const h = health.data;
  if (!h) return <p className="muted">Loading health…</p>;
  return (
    <dl className="health" data-testid={`health-${id}`}>
      <div>
        <dt>Binds</dt>
        <dd>{h.connectedBinds}</dd>
      </div>
      <div>
        <dt>In flight</dt>
        <dd>{h.inFlight}</dd>
      </div>
      <div>
        <dt>Sent/min</dt>
        <dd>{h.sentLastMinute}</dd>
      </div>
      <div>
        <dt>Errors/min</dt>
        <dd className={h.errorsLastMinute > 0 ? 'bad' : undefined}>{h.errorsLastMinute}</dd>
      </div>
      {h.lastError ? (
        <div className="wide">
          <dt>Last error</dt>
          <dd>{h.lastError}</dd>
        </div>
      ) : null}
    </dl>
  );
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
        <ul className="list" data-testid="routes">
          <li>
            <div className="row">
              <span>
                <strong>Built-in simulator</strong> <span className="muted">simulator</span>
              </span>
              <span className="badge badge-delivered">enabled</span>
            </div>
            <Health id="simulator" />
          </li>
          {routes.data?.data.map((r) => (
            <li key={r.id}>
              <div className="row">
                <span>
                  <strong>{r.name}</strong> <span className="muted">{r.type}</span>
                </span>
                <span className={`badge ${r.enabled ? 'badge-delivered' : 'badge-failed'}`}>
                  {r.enabled ? 'enabled' : 'disabled'}
                </span>
              </div>
              <Health id={r.id} />
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
