import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type ChangeEvent, type FormEvent, useState } from 'react';
import { ApiError, api, apiText, formatNumber, problemFields, saveText } from '../api';
import { useAdminRoutes } from '../api/admin';
import { ConfirmButton } from '../components/confirm-button';
import { PageLayout } from '../components/page';
import { FormError, TextField } from '../forms';
import { Link, usePageTitle } from '../router';
import { toast } from '../toast';

interface Costs {
  currency: 'credits';
  default: number | null;
  countries: Record<string, number>;
  prefixes: Record<string, number>;
}

interface Quality {
  window: number;
  minDeliveryRate: number;
  maxLatencyMs: number;
  countries: Array<{
    country: string | null;
    samples: number;
    deliveryRate: number | null;
    latencyMs: number | null;
    demoted: boolean;
    reason: string | null;
  }>;
}

const pct = (r: number | null) => (r === null ? '—' : `${Math.round(r * 1000) / 10} %`);
const secs = (ms: number | null) => (ms === null ? '—' : `${formatNumber(ms / 1000, 1)} s`);

/** A cost file's problems, one per bad line, as the server reported them. */
function lineErrors(error: unknown): string[] {
  return error instanceof ApiError ? error.errors.map((e) => e.message) : [];
}

/** What the carrier of one route costs per segment (by prefix, country or default), and how it is doing. */
export function AdminRouteCostsPage({ id }: { id: string }) {
  const routes = useAdminRoutes();
  const route = routes.data?.data.find((r) => r.id === id);
  const name = route?.name ?? (id === 'simulator' ? 'Built-in simulator' : id);
  usePageTitle(`Costs: ${name}`);
  const client = useQueryClient();
  const base = `/v1/admin/routes/${encodeURIComponent(id)}`;
  const key = ['route-costs', id];
  const costs = useQuery({ queryKey: key, queryFn: () => api<Costs>('GET', `${base}/costs`) });
  const quality = useQuery({
    queryKey: ['route-quality', id],
    queryFn: () => api<Quality>('GET', `${base}/quality`),
    refetchInterval: 10_000,
  });
  const save = useMutation({
    mutationFn: (body: Omit<Costs, 'currency'>) => api<Costs>('PUT', `${base}/costs`, body),
    onSuccess: (next) => {
      client.setQueryData(key, next);
      toast('Costs saved.');
    },
  });
  const upload = useMutation({
    mutationFn: async (text: string) =>
      JSON.parse(
        await apiText('PUT', `${base}/costs.csv`, { body: text, accept: 'application/json' }),
      ) as Costs,
    onSuccess: (next) => {
      client.setQueryData(key, next);
      toast('Cost file imported.');
    },
  });
  const [downloadError, setDownloadError] = useState<string | null>(null);
  const current = costs.data;
  const { fields, general } = problemFields(save.error);

  const without = (kind: 'countries' | 'prefixes', k: string) => {
    if (!current) return;
    const rest = { ...current[kind] };
    delete rest[k];
    save.mutate({
      default: current.default,
      countries: current.countries,
      prefixes: current.prefixes,
      [kind]: rest,
    });
  };
  const onAdd = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (!current) return;
    const form = e.currentTarget;
    const data = new FormData(form);
    const where = String(data.get('where') ?? '')
      .trim()
      .toUpperCase();
    const cost = Number(String(data.get('cost') ?? '').replace(',', '.'));
    const next = {
      default: current.default,
      countries: { ...current.countries },
      prefixes: { ...current.prefixes },
    };
    if (where === '' || where === '*') next.default = cost;
    else if (where.startsWith('+')) next.prefixes[where] = cost;
    else next.countries[where] = cost;
    save.mutate(next, { onSuccess: () => form.reset() });
  };
  const onFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (file) upload.mutate(await file.text());
  };
  const download = async () => {
    setDownloadError(null);
    try {
      saveText(await apiText('GET', `${base}/costs`), `costs-${name}.csv`);
    } catch (error) {
      setDownloadError((error as Error).message);
    }
  };

  const entries: Array<{ kind: 'countries' | 'prefixes'; key: string; cost: number }> = current
    ? [
        ...Object.entries(current.prefixes).map(([k, cost]) => ({ kind: 'prefixes' as const, key: k, cost })),
        ...Object.entries(current.countries).map(([k, cost]) => ({
          kind: 'countries' as const,
          key: k,
          cost,
        })),
      ]
    : [];
  return (
    <PageLayout title={`Costs: ${name}`}>
      <p>
        <Link to="/admin">← Routes</Link>
      </p>
      <p>
        What this route's carrier charges per SMS segment, in credits. A number takes the cost of the longest
        prefix it starts with, else of its country, else the default. Each message records its cost when it is
        sent; the <Link to="/admin/margins">margin report</Link> adds them up, and least-cost routing compares
        them.
      </p>
      {costs.error ? <p role="alert">{(costs.error as Error).message}</p> : null}
      {current ? (
        <section className="card" aria-labelledby="costs-h">
          <h2 id="costs-h">Costs per segment</h2>
          <p data-testid="cost-default">
            Default: {current.default === null ? 'none (cost unknown)' : `${current.default} credits`}
          </p>
          {entries.length === 0 ? <p className="muted">No country or prefix costs yet.</p> : null}
          {entries.length > 0 ? (
            <div className="table-wrap">
              <table className="data stack" aria-label="Costs">
                <thead>
                  <tr>
                    <th scope="col">Country or prefix</th>
                    <th scope="col" className="num">
                      Credits per segment
                    </th>
                    <th scope="col">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {entries.map((e) => (
                    <tr key={e.key}>
                      <th scope="row">{e.key}</th>
                      <td className="num" data-label="Credits per segment">
                        {e.cost}
                      </td>
                      <td>
                        <ConfirmButton
                          className="danger"
                          ask={{
                            title: `Remove the cost of ${e.key}?`,
                            confirmLabel: 'Remove',
                            danger: true,
                          }}
                          onConfirm={() => without(e.kind, e.key)}
                          disabled={save.isPending}
                        >
                          Remove<span className="sr-only"> {e.key}</span>
                        </ConfirmButton>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
          <form onSubmit={onAdd} noValidate aria-label="Set a cost">
            <TextField
              label="Country, prefix or *"
              name="where"
              error={fields.countries ?? fields.prefixes}
              hint="LV, +37129, or * (or empty) for the default."
            />
            <TextField
              label="Credits per segment"
              name="cost"
              inputMode="decimal"
              required
              error={fields.default}
            />
            <FormError message={general} />
            <button type="submit" className="primary" disabled={save.isPending}>
              Save cost
            </button>
          </form>
        </section>
      ) : null}
      <section className="card" aria-labelledby="csv-h">
        <h2 id="csv-h">CSV</h2>
        <p className="hint">
          Columns <code>country,prefix,cost</code>; <code>*</code> as country is the default. An upload
          replaces every cost of the route, and nothing changes when a line is wrong.
        </p>
        <div className="toolbar">
          <button type="button" onClick={download}>
            Download CSV
          </button>
          <label className="button">
            Upload CSV
            <input type="file" accept=".csv,text/csv" className="sr-only" onChange={onFile} />
          </label>
        </div>
        <FormError message={downloadError ?? (upload.error ? (upload.error as Error).message : null)} />
        {lineErrors(upload.error).length > 0 ? (
          <ul data-testid="csv-errors">
            {lineErrors(upload.error).map((m) => (
              <li key={m}>{m}</li>
            ))}
          </ul>
        ) : null}
      </section>
      <section className="card" aria-labelledby="quality-h">
        <h2 id="quality-h">Live quality</h2>
        {quality.data ? (
          <>
            <p className="hint">
              Over the last {quality.data.window} receipts per country seen by this server; a route delivering
              under {pct(quality.data.minDeliveryRate)} or slower than {secs(quality.data.maxLatencyMs)} is
              demoted by least-cost and quality rules.
            </p>
            {quality.data.countries.length === 0 ? (
              <p className="muted">No receipts yet.</p>
            ) : (
              <div className="table-wrap">
                <table className="data stack" aria-label="Live quality">
                  <thead>
                    <tr>
                      <th scope="col">Country</th>
                      <th scope="col" className="num">
                        Receipts
                      </th>
                      <th scope="col" className="num">
                        Delivery rate
                      </th>
                      <th scope="col" className="num">
                        Latency
                      </th>
                      <th scope="col">Demoted</th>
                    </tr>
                  </thead>
                  <tbody>
                    {quality.data.countries.map((c) => (
                      <tr key={c.country ?? 'none'}>
                        <th scope="row">{c.country ?? 'Unknown'}</th>
                        <td className="num" data-label="Receipts">
                          {c.samples}
                        </td>
                        <td className="num" data-label="Delivery rate">
                          {pct(c.deliveryRate)}
                        </td>
                        <td className="num" data-label="Latency">
                          {secs(c.latencyMs)}
                        </td>
                        <td data-label="Demoted">{c.demoted ? `yes: ${c.reason}` : 'no'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </>
        ) : null}
      </section>
    </PageLayout>
  );
}
