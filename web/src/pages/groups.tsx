import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, type Group, problemFields } from '../api';
import { contactKeys } from '../api/contacts';
import { groupKeys } from '../api/groups';
import { PageLayout } from '../components/page';
import { FormError, TextField } from '../forms';
import { useGroups } from '../hooks/use-groups';
import { Link, usePageTitle } from '../router';
import { toast } from '../toast';

function GroupRow({ group }: { group: Group }) {
  const client = useQueryClient();
  const [editing, setEditing] = useState(false);
  const rename = useMutation({
    mutationFn: (name: string) => api<Group>('PATCH', `/v1/groups/${group.id}`, { name }),
    onSuccess: () => {
      setEditing(false);
      toast('Group renamed.');
      return client.invalidateQueries({ queryKey: groupKeys.all });
    },
  });
  const remove = useMutation({
    mutationFn: () => api<void>('DELETE', `/v1/groups/${group.id}`),
    onSuccess: () => {
      toast('Group deleted.');
      return Promise.all([
        client.invalidateQueries({ queryKey: groupKeys.all }),
        client.invalidateQueries({ queryKey: contactKeys.all }),
      ]);
    },
  });
  const { fields, general } = problemFields(rename.error ?? remove.error);
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    rename.mutate(String(new FormData(e.currentTarget).get('name') ?? '').trim());
  };
  return (
    <li className="card">
      {editing ? (
        <form onSubmit={onSubmit} noValidate className="inline-form">
          <TextField
            label={`New name for ${group.name}`}
            name="name"
            defaultValue={group.name}
            error={fields.name}
          />
          <button type="submit" className="primary" disabled={rename.isPending}>
            Save
          </button>
          <button type="button" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </form>
      ) : (
        <div className="row">
          <span>
            <strong>{group.name}</strong>{' '}
            <span className="muted">
              {group.memberCount} {group.memberCount === 1 ? 'member' : 'members'}
            </span>
          </span>
          <span className="actions">
            <Link to={`/contacts?group=${group.id}`} className="button">
              Contacts<span className="sr-only"> in {group.name}</span>
            </Link>
            <button type="button" onClick={() => setEditing(true)}>
              Rename<span className="sr-only"> {group.name}</span>
            </button>
            <button
              type="button"
              className="danger"
              onClick={() => remove.mutate()}
              disabled={remove.isPending}
            >
              Delete<span className="sr-only"> {group.name}</span>
            </button>
          </span>
        </div>
      )}
      {group.description ? <p className="muted">{group.description}</p> : null}
      <FormError message={general} />
    </li>
  );
}

export function GroupsPage() {
  usePageTitle('Groups');
  const client = useQueryClient();
  const groups = useGroups();
  const create = useMutation({
    mutationFn: (body: { name: string; description: string | null }) =>
      api<Group>('POST', '/v1/groups', body, true),
    onSuccess: () => client.invalidateQueries({ queryKey: groupKeys.all }),
  });
  const { fields, general } = problemFields(create.error);
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    create.mutate(
      {
        name: String(data.get('name') ?? '').trim(),
        description: String(data.get('description') ?? '').trim() || null,
      },
      { onSuccess: () => form.reset() },
    );
  };
  return (
    <PageLayout title="Groups">
      <section className="card" aria-labelledby="new-group-h">
        <h2 id="new-group-h">New group</h2>
        <form onSubmit={onSubmit} noValidate>
          <TextField label="Group name" name="name" required error={fields.name} />
          <TextField label="Description" name="description" error={fields.description} />
          <FormError message={general} />
          <button type="submit" className="primary" disabled={create.isPending}>
            Create group
          </button>
        </form>
      </section>
      <p className="muted">
        To add contacts, select them on the <Link to="/contacts">contacts page</Link> and choose a group.
      </p>
      {groups.isPending ? <p>Loading…</p> : null}
      {groups.data && groups.data.data.length === 0 ? <p className="muted">No groups yet.</p> : null}
      <ul className="cards" data-testid="groups">
        {groups.data?.data.map((g) => (
          <GroupRow key={g.id} group={g} />
        ))}
      </ul>
    </PageLayout>
  );
}
