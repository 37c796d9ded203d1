import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { ApiError, api, problemFields } from '../api';
import { adminKeys } from '../api/admin';
import { PageLayout } from '../components/page';
import { FormError, TextField } from '../forms';
import { usePageTitle } from '../router';

interface PriceList {
  default: number;
  countries: Record<string, number>;
}

interface Row {
  country: string;
  price: string;
}

const regionNames = (() => {
  try {
    return new Intl.DisplayNames(['en'], { type: 'region' });
  } catch {
    return null;
  }
})();

function countryName(code: string): string {
  try {
    return regionNames?.of(code) ?? code;
  } catch {
    return code;
  }
}

/** A blank or non-numeric price goes to the server as is, so its answer lands next to that field. */
function toNumber(s: string): number | string {
  const n = Number(s.trim());
  return s.trim() !== '' && Number.isFinite(n) ? n : s;
}

function PriceEditor({ list }: { list: PriceList }) {
  const client = useQueryClient();
  const [def, setDef] = useState(String(list.default));
  const [rows, setRows] = useState<Row[]>(() =>
    Object.entries(list.countries)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([country, price]) => ({ country, price: String(price) })),
  );
  const [filter, setFilter] = useState('');
  const [saved, setSaved] = useState(false);
  const [addError, setAddError] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: (body: unknown) => api<PriceList>('PUT', '/v1/admin/prices', body),
    onSuccess: () => {
      setSaved(true);
      return client.invalidateQueries({ queryKey: adminKeys.prices() });
    },
  });
  const { fields, general } = problemFields(save.error);
  // `/body/countries/LV` → the LV row.
  const rowErrors = new Map<string, string>();
  if (save.error instanceof ApiError) {
    for (const e of save.error.errors) {
      const m = e.path.match(/^\/body\/countries\/([^/]+)/);
      if (m?.[1]) rowErrors.set(m[1], e.message);
    }
  }
  const setPrice = (country: string, price: string) => {
    setSaved(false);
    setRows(rows.map((r) => (r.country === country ? { ...r, price } : r)));
  };
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    setSaved(false);
    save.mutate({
      default: toNumber(def),
      countries: Object.fromEntries(rows.map((r) => [r.country, toNumber(r.price)])),
    });
  };
  const onAdd = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    const country = String(data.get('country') ?? '')
      .trim()
      .toUpperCase();
    const price = String(data.get('price') ?? '').trim();
    if (!/^[A-Z]{2}$/.test(country)) {
      setAddError('Enter a two-letter country code, e.g. LV.');
      return;
    }
    if (rows.some((r) => r.country === country)) {
      setAddError(`${country} is already in the list: change its price below.`);
      return;
    }
    setAddError(null);
    setRows([...rows, { country, price }].sort((a, b) => a.country.localeCompare(b.country)));
    setFilter(country);
    form.reset();
  };
  const f = filter.trim().toLowerCase();
  // An exact country code comes first, then codes and names that contain the filter.
  const shown = f
    ? rows
        .filter(
          (r) => r.country.toLowerCase().includes(f) || countryName(r.country).toLowerCase().includes(f),
        )
        .sort((a, b) => Number(b.country.toLowerCase() === f) - Number(a.country.toLowerCase() === f))
    : rows;
  return (
    <>
      <section className="card" aria-labelledby="add-price-h">
        <h2 id="add-price-h">Add a country</h2>
        <form onSubmit={onAdd} noValidate className="inline-form">
          <TextField label="Country code" name="country" maxLength={2} error={addError ?? undefined} />
          <TextField label="Price per part" name="price" type="number" step="any" min={0} />
          <button type="submit">Add country</button>
        </form>
      </section>
      <form onSubmit={onSubmit} noValidate className="card">
        <TextField
          label="Default price per part"
          name="default"
          type="number"
          step="any"
          min={0}
          value={def}
          onChange={(e) => {
            setSaved(false);
            setDef(e.target.value);
          }}
          error={fields.default}
          hint="For countries not listed below."
        />
        <div className="field">
          <label htmlFor="price-filter">Filter countries</label>
          <input
            id="price-filter"
            type="search"
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
            placeholder="LV or Latvia"
          />
        </div>
        <p className="muted" aria-live="polite">
          {shown.length} of {rows.length} countries shown.
        </p>
        <ul className="list prices" data-testid="prices">
          {shown.map((r) => {
            const id = `price-${r.country}`;
            const err = rowErrors.get(r.country);
            return (
              <li key={r.country}>
                <div className="row">
                  <label htmlFor={id}>
                    <span className="sr-only">Price for </span>
                    {r.country} <span className="muted">{countryName(r.country)}</span>
                  </label>
                  <span className="actions">
                    <input
                      id={id}
                      className="price"
                      type="number"
                      step="any"
                      min={0}
                      value={r.price}
                      aria-invalid={err ? true : undefined}
                      aria-describedby={err ? `${id}-err` : undefined}
                      onChange={(e) => setPrice(r.country, e.target.value)}
                    />
                    <button
                      type="button"
                      onClick={() => {
                        setSaved(false);
                        setRows(rows.filter((x) => x.country !== r.country));
                      }}
                    >
                      Remove<span className="sr-only"> {r.country}</span>
                    </button>
                  </span>
                </div>
                {err ? (
                  <p className="field-error" id={`${id}-err`} role="alert">
                    {err}
                  </p>
                ) : null}
              </li>
            );
          })}
        </ul>
        <FormError
          message={
            rowErrors.size > 0
              ? `Check the price of ${[...rowErrors.keys()].join(', ')}.`
              : (general ?? fields.countries ?? null)
          }
        />
        {saved ? (
          <p className="notice" role="status">
            Price list saved.
          </p>
        ) : null}
        <div className="sticky-actions">
          <button type="submit" className="primary" disabled={save.isPending}>
            {save.isPending ? 'Saving…' : 'Save prices'}
          </button>
        </div>
      </form>
    </>
  );
}

export function AdminPricesPage() {
  usePageTitle('Prices');
  const prices = useQuery({
    queryKey: adminKeys.prices(),
    queryFn: () => api<PriceList>('GET', '/v1/admin/prices'),
    refetchOnWindowFocus: false,
  });
  return (
    <PageLayout title="Prices">
      <p>Credits per message part, by destination country. Saving replaces the whole list.</p>
      {prices.error ? <p role="alert">{(prices.error as Error).message}</p> : null}
      {prices.isPending ? <p>Loading…</p> : null}
      {prices.data ? <PriceEditor list={prices.data} /> : null}
    </PageLayout>
  );
}
