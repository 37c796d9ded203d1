import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import { api, formatTime, type Page, problemFields, ROLES, type TeamMember } from '../api';
import { accountKeys } from '../api/account';
import { PageLayout } from '../components/page';
import { FormError, TextField } from '../forms';
import { usePageTitle } from '../router';
import { useMe } from '../session';

function MemberRow({ member, self, canManage }: { member: TeamMember; self: boolean; canManage: boolean }) {
  const client = useQueryClient();
  const refresh = () => client.invalidateQueries({ queryKey: accountKeys.users() });
  const change = useMutation({
    mutationFn: (role: string) => api<TeamMember>('PATCH', `/v1/users/${member.id}`, { role }),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: () => api<void>('DELETE', `/v1/users/${member.id}`),
    onSuccess: refresh,
  });
  const error = problemFields(change.error ?? remove.error);
  const message = error.general ?? Object.values(error.fields)[0] ?? null;
  const roleId = `role-${member.id}`;
  return (
    <li className="card">
      <div className="row">
        <span>
          <strong>{member.name}</strong>
          {self ? <span className="muted"> (you)</span> : null}
          <br />
          <span className="muted">{member.email}</span>
        </span>
        <span className="actions">
          <label htmlFor={roleId} className="sr-only">
            Role of {member.name}
          </label>
          <select
            id={roleId}
            value={member.role}
            disabled={!canManage || change.isPending}
            onChange={(e) => change.mutate(e.target.value)}
          >
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
          {canManage ? (
            <button
              type="button"
              className="danger"
              onClick={() => remove.mutate()}
              disabled={remove.isPending}
            >
              Remove<span className="sr-only"> {member.name}</span>
            </button>
          ) : null}
        </span>
      </div>
      <p className="muted">
        {member.twoFactorEnabled ? '2FA on' : '2FA off'} ·{' '}
        {member.emailVerified ? 'verified' : 'not verified'} · since {formatTime(member.createdAt)}
      </p>
      <FormError message={message} />
    </li>
  );
}

export function TeamPage() {
  usePageTitle('Team');
  const client = useQueryClient();
  const me = useMe();
  const canManage = me.data?.permissions.includes('team:manage') ?? false;
  const users = useQuery({
    queryKey: accountKeys.users(),
    queryFn: () => api<Page<TeamMember>>('GET', '/v1/users'),
  });
  const invite = useMutation({
    mutationFn: (body: Record<string, string>) => api<TeamMember>('POST', '/v1/users', body, true),
    onSuccess: () => client.invalidateQueries({ queryKey: accountKeys.users() }),
  });
  const { fields, general } = problemFields(invite.error);
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    invite.mutate(
      {
        name: String(data.get('name') ?? '').trim(),
        email: String(data.get('email') ?? '').trim(),
        role: String(data.get('role') ?? 'viewer'),
      },
      { onSuccess: () => form.reset() },
    );
  };
  return (
    <PageLayout title="Team">
      {users.error ? <p role="alert">{(users.error as Error).message}</p> : null}
      <ul className="cards" aria-label="Members" data-testid="members">
        {users.data?.data.map((u) => (
          <MemberRow key={u.id} member={u} self={u.id === me.data?.user.id} canManage={canManage} />
        ))}
      </ul>
      {canManage ? null : <p className="muted">Only owners and admins change the team.</p>}
      <section className="card" aria-labelledby="invite-h" hidden={!canManage}>
        <h2 id="invite-h">Invite a member</h2>
        <p className="muted">They get an e-mail with a link to choose a password.</p>
        <form onSubmit={onSubmit} noValidate>
          <TextField label="Name" name="name" required error={fields.name} />
          <TextField label="E-mail" name="email" type="email" required error={fields.email} />
          <div className="field">
            <label htmlFor="invite-role">Role</label>
            <select id="invite-role" name="role" defaultValue="sender">
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
            {fields.role ? (
              <p className="field-error" role="alert">
                {fields.role}
              </p>
            ) : null}
          </div>
          <FormError message={general} />
          <button type="submit" className="primary" disabled={invite.isPending}>
            Send invitation
          </button>
        </form>
      </section>
    </PageLayout>
  );
}
