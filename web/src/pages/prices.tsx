import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, formatCredits } from '../api';
import { accountKeys, useSettings } from '../api/account';
import { PageLayout } from '../components/page';
import { useCountries } from '../countries';
import { Link, usePageTitle } from '../router';
import { useMe } from '../session';

interface CountryPrice {
  country: string;
  name: string;
  creditsPerPart: number;
}

interface Prices {
  currency: string;
  accountPrices: boolean;
  data: CountryPrice[];
}

/** A price as set, to the micro-credit (0.035 stays 0.035; balances round to cents elsewhere). */
function formatPrice(credits: number): string {
  return credits.toLocaleString('en', { maximumFractionDigits: 6, minimumFractionDigits: 2 });
}

/** Lower case without accents, so "Curacao" finds Curaçao and "aland" Åland. */
function folded(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
}

/** What one SMS part costs this account, per country, with what a credit is. */
export function PricesPage() {
  usePageTitle('Prices');
  const me = useMe();
  const settings = useSettings();
  const countries = useCountries();
  const prices = useQuery({
    queryKey: accountKeys.prices(),
    queryFn: () => api<Prices>('GET', '/v1/prices'),
  });
  const [search, setSearch] = useState('');
  const callingCodes = new Map((countries.data ?? []).map((c) => [c.code, c.callingCode]));
  const rows = prices.data?.data ?? [];
  const q = folded(search.trim()).replace(/^\+/, '');
  // A name, an ISO code (LV) or a calling code (+371); an exact code comes first.
  const shown = q
    ? rows
        .filter(
          (r) =>
            folded(r.name).includes(q) ||
            r.country.toLowerCase() === q ||
            (/^\d+$/.test(q) && (callingCodes.get(r.country) ?? '').startsWith(q)),
        )
        .sort((a, b) => Number(b.country.toLowerCase() === q) - Number(a.country.toLowerCase() === q))
    : rows;
  const home = rows.find((r) => r.country === settings.data?.defaultCountry);
  const available = me.data?.balance.available;
  return (
    <PageLayout title="Prices">
      <section className="card" aria-labelledby="credit-h">
        <h2 id="credit-h">What a credit buys</h2>
        <p>
          Sending is paid in <strong>credits</strong>. Each SMS part costs the credits listed for its
          destination country below. A part holds 160 characters (153 each when a text needs several parts),
          or 70 (67) when the text has characters outside the GSM-7 alphabet, such as emoji.
        </p>
        <p>
          A credit has no price in money here yet: your free credits came with the account, and more are
          bought from the operator of this platform. Paying online comes later.
        </p>
        {prices.data?.accountPrices ? (
          <p data-testid="account-prices">These are the prices agreed for your account.</p>
        ) : null}
        {home && available !== undefined ? (
          <p data-testid="home-price">
            {home.name}: {formatPrice(home.creditsPerPart)} credits a part. Your {formatCredits(available)}{' '}
            available credits send about{' '}
            <strong>
              {home.creditsPerPart > 0
                ? Math.floor(available / home.creditsPerPart).toLocaleString('en')
                : '—'}{' '}
              parts
            </strong>{' '}
            there.
          </p>
        ) : null}
        <p>
          <Link to="/billing">Balance and ledger</Link>
        </p>
      </section>
      <section className="card" aria-labelledby="prices-h">
        <h2 id="prices-h">Price per part, by country</h2>
        {prices.error ? <p role="alert">{(prices.error as Error).message}</p> : null}
        {prices.isPending ? <p>Loading…</p> : null}
        <div className="field">
          <label htmlFor="price-search">Search</label>
          <input
            id="price-search"
            type="search"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            placeholder="Latvia, LV or +371"
          />
        </div>
        <p className="muted" aria-live="polite" data-testid="prices-shown">
          {shown.length} of {rows.length} countries
        </p>
        {shown.length > 0 ? (
          <div className="table-wrap">
            <table className="data" aria-label="Prices per country">
              <thead>
                <tr>
                  <th scope="col">Country</th>
                  <th scope="col">Code</th>
                  <th scope="col" className="num">
                    Credits per part
                  </th>
                </tr>
              </thead>
              <tbody>
                {shown.map((r) => (
                  <tr key={r.country}>
                    <td>{r.name}</td>
                    <td>
                      {r.country}
                      {callingCodes.has(r.country) ? (
                        <span className="muted"> +{callingCodes.get(r.country)}</span>
                      ) : null}
                    </td>
                    <td className="num">{formatPrice(r.creditsPerPart)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : prices.data ? (
          <p className="muted">No country matches.</p>
        ) : null}
      </section>
    </PageLayout>
  );
}
