import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { ApiError, api, formatTime, type Page, problemFields } from '../api';
import { adminKeys } from '../api/admin';
import type { StaffRole } from '../api/generated';
import { ConfirmButton } from '../components/confirm-button';
import { PageLayout } from '../components/page';
import { SelectField } from '../components/select-field';
import { FormError, TextField } from '../forms';
import { usePageTitle } from '../router';
import { useStaff } from '../session';

interface StaffUser {
  id: string;
  email: string;
  name: string;
  role: string;
  twoFactorEnabled: boolean;
  disabled: boolean;
  createdAt: string;
}

interface StaffKey {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** Every staff role the server knows (see generated.ts), in the order the form offers them. */
const ROLE_LABELS: Record<StaffRole, string> = {
  operator: 'Operator: accounts, credits, routes, prices, compliance',
  support: 'Support: reads accounts',
  auditor: 'Auditor: reads accounts and the audit log',
  superadmin: 'Superadmin: everything, including staff',
};
const ROLES = Object.entries(ROLE_LABELS).map(([value, label]) => ({ value, label }));

/** A secret shown once, with a button that copies it. */
function ShownOnce({ name, secret }: { name: string; secret: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    await navigator.clipboard?.writeText(secret).catch(() => undefined);
    setCopied(true);
  };
  return (
    <div className="notice" role="status" data-testid="new-staff-key">
      <p>
        Your new key <strong>{name}</strong>. Copy it now: it is shown only once.
      </p>
      <code className="secret">{secret}</code>
      <button type="button" onClick={copy}>
        {copied ? 'Copied' : 'Copy key'}
      </button>
    </div>
  );
}

function StaffUsers() {
  const client = useQueryClient();
  const staff = useQuery({
    queryKey: adminKeys.staff(),
    queryFn: () => api<Page<StaffUser>>('GET', '/v1/admin/staff'),
    retry: false,
  });
  const refresh = () => client.invalidateQueries({ queryKey: adminKeys.staff() });
  const create = useMutation({
    mutationFn: (body: Record<string, string>) => api<StaffUser>('POST', '/v1/admin/staff', body, true),
    onSuccess: refresh,
  });
  const disable = useMutation({
    mutationFn: (id: string) => api<void>('POST', `/v1/admin/staff/${encodeURIComponent(id)}/disable`),
    onSuccess: refresh,
  });
  const { fields, general } = problemFields(create.error);
  if (staff.error instanceof ApiError && staff.error.status === 403)
    return (
      <section className="card" aria-labelledby="staff-h">
        <h2 id="staff-h">Staff users</h2>
        <p className="muted">Only a superadmin manages staff.</p>
      </section>
    );
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    const body: Record<string, string> = {
      email: String(data.get('email') ?? '').trim(),
      password: String(data.get('password') ?? ''),
      role: String(data.get('role') ?? 'operator'),
    };
    const name = String(data.get('name') ?? '').trim();
    if (name) body.name = name;
    create.mutate(body, { onSuccess: () => form.reset() });
  };
  return (
    <section className="card" aria-labelledby="staff-h">
      <h2 id="staff-h">Staff users</h2>
      {staff.error ? <p role="alert">{(staff.error as Error).message}</p> : null}
      <ul className="list" data-testid="staff-users">
        {staff.data?.data.map((s) => (
          <li key={s.id} className="row">
            <span>
              <strong>{s.name || s.email}</strong>
              {/* A member made by the CLI is named by the e-mail: it is not repeated. */}
              {s.name && s.name !== s.email ? <span className="muted"> {s.email}</span> : null}
              <br />
              <span className="badge">{s.role}</span> 2FA {s.twoFactorEnabled ? 'on' : 'off'}
              {s.disabled ? (
                <>
                  {' '}
                  <span className="badge badge-failed">disabled</span>
                </>
              ) : null}
            </span>
            {s.disabled ? null : (
              <ConfirmButton
                className="danger"
                ask={{
                  title: `Cut ${s.email}'s access?`,
                  body: <p>Their sessions and API keys stop working at once.</p>,
                  confirmLabel: 'Disable staff member',
                  danger: true,
                }}
                onConfirm={() => disable.mutate(s.id)}
                disabled={disable.isPending}
              >
                Disable<span className="sr-only"> {s.email}</span>
              </ConfirmButton>
            )}
          </li>
        ))}
      </ul>
      <FormError message={problemFields(disable.error).general} />
      <h3>Add a staff member</h3>
      <form onSubmit={onSubmit} noValidate>
        <TextField label="Staff e-mail" name="email" type="email" required error={fields.email} />
        <TextField label="Staff name" name="name" error={fields.name} />
        <TextField
          label="First password"
          name="password"
          type="password"
          autoComplete="new-password"
          required
          error={fields.password}
          hint="Give it to them over another channel; they sign in at /admin and should enrol in 2FA."
        />
        <SelectField label="Role" id="staff-role" name="role" defaultValue="operator" options={ROLES} />
        <FormError message={general} />
        <button type="submit" className="primary" disabled={create.isPending}>
          Add staff member
        </button>
      </form>
    </section>
  );
}

function StaffKeys() {
  const client = useQueryClient();
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const keys = useQuery({
    queryKey: adminKeys.staffKeys(),
    queryFn: () => api<Page<StaffKey>>('GET', '/v1/admin/api-keys'),
  });
  const refresh = () => client.invalidateQueries({ queryKey: adminKeys.staffKeys() });
  const create = useMutation({
    mutationFn: (name: string) =>
      api<StaffKey & { key: string }>('POST', '/v1/admin/api-keys', { name }, true),
    onSuccess: (k) => {
      setCreated({ name: k.name, key: k.key });
      void refresh();
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api<void>('DELETE', `/v1/admin/api-keys/${encodeURIComponent(id)}`),
    onSuccess: refresh,
  });
  const { fields, general } = problemFields(create.error);
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    create.mutate(String(new FormData(form).get('name') ?? '').trim(), { onSuccess: () => form.reset() });
  };
  return (
    <section className="card" aria-labelledby="keys-h">
      <h2 id="keys-h">Your staff API keys</h2>
      <p className="muted">A key acts as you, with your role. It starts with sg_staff_.</p>
      {created ? <ShownOnce name={created.name} secret={created.key} /> : null}
      <ul className="list" data-testid="staff-keys">
        {keys.data?.data.map((k) => (
          <li key={k.id} className="row">
            <span>
              <strong>{k.name}</strong> <code>{k.prefix}…</code>
              <br />
              <span className="muted">
                created {formatTime(k.createdAt)}
                {k.lastUsedAt ? ` · last used ${formatTime(k.lastUsedAt)}` : ' · never used'}
              </span>
            </span>
            {k.revokedAt ? (
              <span className="badge badge-failed">revoked</span>
            ) : (
              <ConfirmButton
                className="danger"
                ask={{
                  title: `Revoke the key ${k.name}?`,
                  body: <p>Programs using it are refused from their next request.</p>,
                  confirmLabel: 'Revoke key',
                  danger: true,
                }}
                onConfirm={() => revoke.mutate(k.id)}
                disabled={revoke.isPending}
              >
                Revoke<span className="sr-only"> {k.name}</span>
              </ConfirmButton>
            )}
          </li>
        ))}
      </ul>
      {keys.data && keys.data.data.length === 0 ? <p className="muted">No keys yet.</p> : null}
      <FormError message={problemFields(revoke.error).general} />
      <form onSubmit={onSubmit} noValidate className="inline-form">
        <TextField
          label="Key name"
          name="name"
          required
          error={fields.name}
          hint="What uses it, e.g. billing export."
        />
        <FormError message={general} />
        <button type="submit" className="primary" disabled={create.isPending}>
          Create key
        </button>
      </form>
    </section>
  );
}

export function AdminStaffPage() {
  usePageTitle('Staff');
  const me = useStaff();
  return (
    <PageLayout title="Staff">
      {me.data?.permissions.includes('staff:manage') ? <StaffUsers /> : null}
      <StaffKeys />
    </PageLayout>
  );
}
