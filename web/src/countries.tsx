import { useQuery } from '@tanstack/react-query';
import { type SelectHTMLAttributes, useId } from 'react';
import { api } from './api';
import { accountKeys } from './api/account';
import { describedBy, FieldNotes } from './forms';

export interface Country {
  code: string;
  name: string;
  callingCode: string;
}

/** The countries numbers can be read in (public: the sign-up form needs them before there is a session). */
export function useCountries() {
  return useQuery({
    queryKey: accountKeys.countries(),
    queryFn: () => api<{ data: Country[] }>('GET', '/v1/countries').then((r) => r.data),
    staleTime: Number.POSITIVE_INFINITY,
  });
}

/**
 * The country the browser's languages point at: the first one that names a region (`lv-LV` → LV), else the
 * region the first language is mostly spoken in (`lv` → LV); null when neither is a known country.
 */
export function guessCountry(languages: readonly string[], known: ReadonlySet<string>): string | null {
  const regionOf = (tag: string, likely: boolean): string | null => {
    try {
      const locale = new Intl.Locale(tag);
      const region = (likely ? locale.maximize() : locale).region?.toUpperCase();
      return region && known.has(region) ? region : null;
    } catch {
      return null;
    }
  };
  for (const tag of languages) {
    const region = regionOf(tag, false);
    if (region) return region;
  }
  return languages[0] ? regionOf(languages[0], true) : null;
}

/** The browser's languages, most preferred first. */
export function browserLanguages(): string[] {
  return navigator.languages?.length ? [...navigator.languages] : [navigator.language].filter(Boolean);
}

/** A labelled select of the countries, with "none" first; the error or hint below it like the other fields. */
export function CountrySelect({
  label,
  countries,
  error,
  hint,
  noneLabel,
  ...select
}: {
  label: string;
  countries: readonly Country[];
  error?: string | undefined;
  hint?: string;
  noneLabel: string;
  name: string;
} & SelectHTMLAttributes<HTMLSelectElement>) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, hint, error)}
        {...select}
      >
        <option value="">{noneLabel}</option>
        {countries.map((c) => (
          <option key={c.code} value={c.code}>
            {c.name} (+{c.callingCode})
          </option>
        ))}
      </select>
      <FieldNotes id={id} hint={hint} error={error} />
    </div>
  );
}
