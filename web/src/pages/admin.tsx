import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useRef, useState } from 'react';
import { ApiError, api, formatTime, type Page, problemFields } from '../api';
import { adminKeys, type Route, useAdminRoutes } from '../api/admin';
import { ConfirmButton } from '../components/confirm-button';
import { PageLayout } from '../components/page';
import { FormError, TextField } from '../forms';
import { Link, usePageTitle } from '../router';
import { toast } from '../toast';
import { RouteConfigFields, type RouteType } from './admin-route-form';

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
    queryKey: adminKeys.routeHealth(id),
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

/** Server errors about config fields (`/body/config/<field>`), by field. */
function configErrors(error: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!(error instanceof ApiError)) return out;
  for (const e of error.errors) {
    const m = /^\/body\/config\/([^/]+)/.exec(e.path);
    if (m?.[1] && !out[m[1]]) out[m[1]] = e.message;
  }
  return out;
}

function useRouteTypes() {
  return useQuery({
    queryKey: adminKeys.routeTypes(),
    queryFn: () => api<{ data: RouteType[] }>('GET', '/v1/admin/route-types'),
    staleTime: 60_000,
  });
}

interface RouteTest {
  id: string;
  to: string;
  from: string;
  text: string;
  status: 'accepted' | 'failed';
  carrierRef: string | null;
  error: { code: string; detail: string | null } | null;
  receipt: { status: string; errorCode: string | null; raw: string | null; at: string } | null;
  createdAt: string;
}

/** What the carrier answered to a test send, and the receipt when it came. */
function TestResult({ test }: { test: RouteTest }) {
  return (
    <dl className="health test-result" data-testid="test-result">
      <div>
        <dt>Carrier</dt>
        <dd className={test.status === 'failed' ? 'bad' : undefined}>
          {test.status === 'accepted' ? 'accepted' : 'refused'}
        </dd>
      </div>
      {test.carrierRef ? (
        <div className="wide">
          <dt>Message id</dt>
          <dd>
            <code>{test.carrierRef}</code>
          </dd>
        </div>
      ) : null}
      {test.error ? (
        <div className="wide">
          <dt>Error</dt>
          <dd>
            <code>{test.error.code}</code> {test.error.detail}
          </dd>
        </div>
      ) : null}
      {test.status === 'accepted' ? (
        <div className="wide">
          <dt>Receipt</dt>
          <dd>
            {test.receipt
              ? `${test.receipt.status}${test.receipt.errorCode ? ` (error ${test.receipt.errorCode})` : ''} at ${formatTime(test.receipt.at)}`
              : 'none yet'}
          </dd>
        </div>
      ) : null}
    </dl>
  );
}

/** One real SMS through this route only (charged to nobody), with the carrier's answer. */
function TestSend({ id, name }: { id: string; name: string }) {
  const client = useQueryClient();
  const send = useMutation({
    mutationFn: (body: { to: string; text: string; waitSeconds: number }) =>
      api<RouteTest>('POST', `/v1/admin/routes/${encodeURIComponent(id)}/test`, body),
    onSettled: () => client.invalidateQueries({ queryKey: adminKeys.routeTests(id) }),
  });
  const tests = useQuery({
    queryKey: adminKeys.routeTests(id),
    queryFn: () => api<Page<RouteTest>>('GET', `/v1/admin/routes/${encodeURIComponent(id)}/tests?limit=5`),
    // A receipt may still come after the wait.
    refetchInterval: (q) =>
      q.state.data?.data.some((t) => t.status === 'accepted' && !t.receipt) ? 3000 : false,
  });
  const { fields, general } = problemFields(send.error, {}, ['to', 'text']);
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    send.mutate({ to: String(data.get('to') ?? ''), text: String(data.get('text') ?? ''), waitSeconds: 5 });
  };
  const latest = send.data ? (tests.data?.data.find((t) => t.id === send.data?.id) ?? send.data) : null;
  return (
    <form onSubmit={onSubmit} noValidate className="inline-form" aria-label={`Test send through ${name}`}>
      <TextField
        label="Test number"
        name="to"
        type="tel"
        required
        error={fields.to}
        hint="A phone of yours, with +."
      />
      <TextField
        label="Test text"
        name="text"
        required
        defaultValue="smsgate route test"
        error={fields.text}
      />
      <button type="submit" className="primary" disabled={send.isPending}>
        {send.isPending ? 'Sending… (waiting for the receipt)' : 'Send test'}
      </button>
      <FormError message={general} />
      {latest ? <TestResult test={latest} /> : null}
    </form>
  );
}

/** Name, on/off and config of a route: the form its type's schema describes. */
function EditRoute({ route, types, onDone }: { route: Route; types: RouteType[]; onDone: () => void }) {
  const client = useQueryClient();
  const read = useRef<() => Record<string, unknown> | null>(() => ({}));
  const routeType = types.find((t) => t.type === route.type);
  const save = useMutation({
    mutationFn: (body: Record<string, unknown>) =>
      api<Route>('PATCH', `/v1/admin/routes/${encodeURIComponent(route.id)}`, body),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: adminKeys.routes() });
      onDone();
    },
  });
  const { fields, general } = problemFields(save.error, {}, ['name', 'config']);
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const config = read.current();
    if (!config) return;
    const data = new FormData(e.currentTarget);
    save.mutate({ name: String(data.get('name') ?? ''), config });
  };
  return (
    <form onSubmit={onSubmit} noValidate aria-label={`Edit ${route.name}`}>
      <TextField label="Route name" name="name" required defaultValue={route.name} error={fields.name} />
      {routeType ? (
        <RouteConfigFields
          routeType={routeType}
          config={route.config}
          editing
          errors={configErrors(save.error)}
          onConfig={(get) => {
            read.current = get;
          }}
        />
      ) : null}
      <FormError message={general} />
      <div className="toolbar">
        <button type="submit" className="primary" disabled={save.isPending}>
          Save route
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function RouteItem({ route, types }: { route: Route; types: RouteType[] }) {
  const client = useQueryClient();
  const [panel, setPanel] = useState<'edit' | 'test' | null>(null);
  const refresh = () => client.invalidateQueries({ queryKey: adminKeys.routes() });
  const toggle = useMutation({
    mutationFn: (enabled: boolean) =>
      api<Route>('PATCH', `/v1/admin/routes/${encodeURIComponent(route.id)}`, { enabled }),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: () => api<void>('DELETE', `/v1/admin/routes/${encodeURIComponent(route.id)}`),
    onSuccess: () => {
      toast('Route deleted.');
      return refresh();
    },
  });
  return (
    <li>
      <div className="row">
        <span>
          <strong>{route.name}</strong> <span className="muted">{route.type}</span>
        </span>
        <span className={`badge ${route.enabled ? 'badge-delivered' : 'badge-failed'}`}>
          {route.enabled ? 'enabled' : 'disabled'}
        </span>
      </div>
      {route.enabled ? <Health id={route.id} /> : null}
      <div className="toolbar">
        <button
          type="button"
          aria-expanded={panel === 'edit'}
          onClick={() => setPanel(panel === 'edit' ? null : 'edit')}
        >
          Edit<span className="sr-only"> {route.name}</span>
        </button>
        <button
          type="button"
          aria-expanded={panel === 'test'}
          onClick={() => setPanel(panel === 'test' ? null : 'test')}
        >
          Test<span className="sr-only"> {route.name}</span>
        </button>
        <Link className="button" to={`/admin/routes/${encodeURIComponent(route.id)}/costs`}>
          Costs and quality<span className="sr-only"> of {route.name}</span>
        </Link>
        <button type="button" disabled={toggle.isPending} onClick={() => toggle.mutate(!route.enabled)}>
          {route.enabled ? 'Disable' : 'Enable'}
          <span className="sr-only"> {route.name}</span>
        </button>
        <ConfirmButton
          className="danger"
          disabled={remove.isPending}
          ask={{
            title: `Delete the route ${route.name}?`,
            body: (
              <p>
                Its configuration and credentials are removed. Routing rules that use it must be changed
                first.
              </p>
            ),
            confirmLabel: 'Delete route',
            danger: true,
          }}
          onConfirm={() => remove.mutate()}
        >
          Delete<span className="sr-only"> {route.name}</span>
        </ConfirmButton>
      </div>
      <FormError message={problemFields(toggle.error).general ?? problemFields(remove.error).general} />
      {panel === 'edit' ? <EditRoute route={route} types={types} onDone={() => setPanel(null)} /> : null}
      {panel === 'test' ? <TestSend id={route.id} name={route.name} /> : null}
    </li>
  );
}

export function AdminRoutesPage() {
  usePageTitle('Routes');
  const client = useQueryClient();
  const types = useRouteTypes();
  const [type, setType] = useState('simulator');
  const [testing, setTesting] = useState(false);
  const read = useRef<() => Record<string, unknown> | null>(() => ({}));
  const routes = useAdminRoutes();
  const create = useMutation({
    mutationFn: (body: Record<string, unknown>) => api<Route>('POST', '/v1/admin/routes', body, true),
    onSuccess: () => client.invalidateQueries({ queryKey: adminKeys.routes() }),
  });
  const { fields, general } = problemFields(create.error, {}, ['name', 'config']);
  const typeList = types.data?.data ?? [];
  const routeType = typeList.find((t) => t.type === type);
  const [formKey, setFormKey] = useState(0);
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const config = read.current();
    if (!config) return;
    const data = new FormData(e.currentTarget);
    const form = e.currentTarget;
    create.mutate(
      { name: data.get('name'), type, enabled: data.get('enabled') === 'on', config },
      {
        onSuccess: () => {
          form.reset();
          setFormKey((k) => k + 1);
        },
      },
    );
  };
  return (
    <PageLayout title="Routes">
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
            <div className="toolbar">
              <button type="button" aria-expanded={testing} onClick={() => setTesting(!testing)}>
                Test<span className="sr-only"> Built-in simulator</span>
              </button>
            </div>
            {testing ? <TestSend id="simulator" name="Built-in simulator" /> : null}
          </li>
          {routes.data?.data.map((r) => (
            <RouteItem key={r.id} route={r} types={typeList} />
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
              {typeList.map((t) => (
                <option key={t.type} value={t.type}>
                  {t.label}
                </option>
              ))}
            </select>
          </div>
          <div className="field checkbox">
            <input id="route-enabled" name="enabled" type="checkbox" defaultChecked />
            <label htmlFor="route-enabled">Enabled</label>
          </div>
          {routeType ? (
            <RouteConfigFields
              key={`${type}-${formKey}`}
              routeType={routeType}
              config={{}}
              editing={false}
              errors={configErrors(create.error)}
              onConfig={(get) => {
                read.current = get;
              }}
            />
          ) : null}
          <FormError message={general} />
          <button type="submit" className="primary" disabled={create.isPending}>
            Add route
          </button>
        </form>
      </section>
    </PageLayout>
  );
}
