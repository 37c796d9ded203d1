import { useState } from 'react';
import { type AdminAccount, useAdminAccounts } from '../api/admin';

/** Accounts found by name, ticked into a list of ids (an incident's affected accounts). */
export function AccountPicker({
  selected,
  onChange,
  error,
}: {
  selected: ReadonlyMap<string, string>;
  onChange: (next: Map<string, string>) => void;
  error?: string | undefined;
}) {
  const [q, setQ] = useState('');
  const accounts = useAdminAccounts(q.trim());
  const found: AdminAccount[] = accounts.data?.pages.flatMap((p) => p.data).slice(0, 20) ?? [];
  const toggle = (a: AdminAccount) => {
    const next = new Map(selected);
    if (next.has(a.id)) next.delete(a.id);
    else next.set(a.id, a.name);
    onChange(next);
  };
  return (
    <div className="field">
      <label htmlFor="incident-account-search">Find accounts</label>
      <input
        id="incident-account-search"
        type="search"
        value={q}
        onChange={(e) => setQ(e.target.value)}
        placeholder="Company name"
        aria-describedby={error ? 'incident-accounts-err' : undefined}
      />
      <ul className="list" aria-label="Accounts found">
        {found.map((a) => (
          <li key={a.id}>
            <label className="check">
              <input type="checkbox" checked={selected.has(a.id)} onChange={() => toggle(a)} /> {a.name}{' '}
              <span className="muted">{a.id}</span>
            </label>
          </li>
        ))}
      </ul>
      <p className="muted" data-testid="incident-accounts">
        {selected.size === 0 ? 'No account chosen.' : `Chosen: ${[...selected.values()].join(', ')}`}
      </p>
      {error ? (
        <p className="field-error" id="incident-accounts-err" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}
