import {
  keepPreviousData,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import {
  api,
  type Consent,
  type Contact,
  type ContactField,
  formatTime,
  type Group,
  type Page,
  problemFields,
  query,
} from '../api';
import { FormError, TextArea, TextField } from '../forms';
import { Link, navigate, useLocation, usePageTitle } from '../router';

export function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

/** Every group of the account (for names, filters and pickers). */
export function useGroups() {
  return useQuery({
    queryKey: ['groups'],
    queryFn: () => api<Page<Group>>('GET', '/v1/groups?limit=500'),
  });
}

export function contactName(c: Contact): string {
  return [c.firstName, c.lastName].filter(Boolean).join(' ');
}

/** The contact's phone field is where a bad number belongs, whatever code the server chose. */
const CONTACT_CODES = { invalid_phone_number: 'phone', recipient_opted_out: 'phone' };

/** The account's custom contact fields, and a form to add one (they then appear on every contact form). */
function CustomFields() {
  const client = useQueryClient();
  const list = useQuery({
    queryKey: ['contact-fields'],
    queryFn: () => api<Page<ContactField>>('GET', '/v1/contact-fields'),
  });
  const add = useMutation({
    mutationFn: (body: Record<string, string>) => api<ContactField>('POST', '/v1/contact-fields', body),
    onSuccess: () => client.invalidateQueries({ queryKey: ['contact-fields'] }),
  });
  const { fields, general } = problemFields(add.error, { conflict: 'key' });
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    add.mutate(
      {
        key: String(data.get('key') ?? '').trim(),
        label: String(data.get('label') ?? '').trim(),
        type: String(data.get('type') ?? 'text'),
      },
      { onSuccess: () => form.reset() },
    );
  };
  return (
    <details className="card">
      <summary>
        <strong>Custom fields</strong> <span className="muted">({list.data?.data.length ?? 0})</span>
      </summary>
      <ul className="list" data-testid="contact-fields">
        {list.data?.data.map((f) => (
          <li key={f.key}>
            <strong>{f.label}</strong> <code>{f.key}</code> <span className="muted">{f.type}</span>
          </li>
        ))}
      </ul>
      <form onSubmit={onSubmit} noValidate className="inline-form">
        <TextField label="Field label" name="label" required error={fields.label} />
        <TextField
          label="Key"
          name="key"
          required
          error={fields.key}
          hint="a-z, 0-9 and _, e.g. loyalty_tier"
        />
        <div className="field">
          <label htmlFor="field-type">Field type</label>
          <select id="field-type" name="type" defaultValue="text">
            <option value="text">Text</option>
            <option value="number">Number</option>
            <option value="date">Date</option>
            <option value="boolean">Yes/no</option>
          </select>
        </div>
        <button type="submit" disabled={add.isPending}>
          Add field
        </button>
      </form>
      <FormError message={general} />
    </details>
  );
}

export function ContactsPage() {
  usePageTitle('Contacts');
  const client = useQueryClient();
  const { search } = useLocation();
  const [q, setQ] = useState('');
  const [groupId, setGroupId] = useState(search.get('group') ?? '');
  const [tag, setTag] = useState('');
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [target, setTarget] = useState('');
  const [deleted, setDeleted] = useState<string[]>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const filters = useDebounced({ q: q.trim(), groupId, tag: tag.trim() }, 300);
  const groups = useGroups();
  const groupName = new Map((groups.data?.data ?? []).map((g) => [g.id, g.name]));
  const list = useInfiniteQuery({
    queryKey: ['contacts', filters],
    queryFn: ({ pageParam }) =>
      api<Page<Contact>>('GET', `/v1/contacts${query({ limit: 50, cursor: pageParam, ...filters })}`),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    // Keep showing the last answer while a new search runs, so rows (and their open forms) stay put.
    placeholderData: keepPreviousData,
  });
  const contacts = list.data?.pages.flatMap((p) => p.data) ?? [];
  const refresh = () =>
    Promise.all([
      client.invalidateQueries({ queryKey: ['contacts'] }),
      client.invalidateQueries({ queryKey: ['groups'] }),
    ]);
  const remove = useMutation({
    mutationFn: (ids: string[]) => api<unknown>('POST', '/v1/contacts/delete', { ids }),
    onSuccess: (_r, ids) => {
      setDeleted(ids);
      setSelected(new Set());
      setNotice(null);
      return refresh();
    },
  });
  const restore = useMutation({
    mutationFn: (ids: string[]) => api<{ restored: string[] }>('POST', '/v1/contacts/restore', { ids }),
    onSuccess: (r) => {
      setDeleted([]);
      setNotice(`Restored ${r.restored.length} ${r.restored.length === 1 ? 'contact' : 'contacts'}.`);
      return refresh();
    },
  });
  const addToGroup = useMutation({
    mutationFn: ({ group, ids }: { group: string; ids: string[] }) =>
      api<{ added: number; group: Group }>('POST', `/v1/groups/${group}/contacts`, { contactIds: ids }),
    onSuccess: (r) => {
      setSelected(new Set());
      setNotice(`Added ${r.added} to ${r.group.name} (${r.group.memberCount} members).`);
      return refresh();
    },
  });
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  const exportQuery = (format: string) =>
    `/v1/contacts/export${query({ format, q: filters.q, groupId: filters.groupId, tag: filters.tag })}`;
  const bulkError = problemFields(remove.error ?? addToGroup.error ?? restore.error).general;
  return (
    <div>
      <h1 tabIndex={-1}>Contacts</h1>
      <div className="toolbar">
        <Link to="/contacts/new" className="button primary">
          New contact
        </Link>
        <Link to="/contacts/import" className="button">
          Import
        </Link>
        <a className="button" href={exportQuery('csv')} download="contacts.csv">
          Export CSV
        </a>
        <a className="button" href={exportQuery('json')} download="contacts.json">
          Export JSON
        </a>
      </div>
      <search className="filters" aria-label="Filter contacts">
        <div className="field">
          <label htmlFor="contact-search">Search</label>
          <input
            id="contact-search"
            type="search"
            value={q}
            onChange={(e) => setQ(e.target.value)}
            placeholder="Name, phone or e-mail"
          />
        </div>
        <div className="field">
          <label htmlFor="contact-group">Group</label>
          <select id="contact-group" value={groupId} onChange={(e) => setGroupId(e.target.value)}>
            <option value="">All groups</option>
            {groups.data?.data.map((g) => (
              <option key={g.id} value={g.id}>
                {g.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="contact-tag">Tag</label>
          <input id="contact-tag" value={tag} onChange={(e) => setTag(e.target.value)} />
        </div>
      </search>
      {deleted.length > 0 ? (
        <div className="notice row" role="status">
          <span>
            Deleted {deleted.length} {deleted.length === 1 ? 'contact' : 'contacts'}.
          </span>
          <button type="button" onClick={() => restore.mutate(deleted)} disabled={restore.isPending}>
            Undo
          </button>
        </div>
      ) : null}
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      <FormError message={bulkError} />
      {selected.size > 0 ? (
        <div className="toolbar selection">
          <strong>{selected.size} selected</strong>
          <label htmlFor="add-to-group">Add to group</label>
          <select id="add-to-group" value={target} onChange={(e) => setTarget(e.target.value)}>
            <option value="">Choose a group…</option>
            {groups.data?.data.map((g) => (
              <option key={g.id} value={g.id}>
                {g.name}
              </option>
            ))}
          </select>
          <button
            type="button"
            disabled={!target || addToGroup.isPending}
            onClick={() => addToGroup.mutate({ group: target, ids: [...selected] })}
          >
            Add
          </button>
          <button type="button" className="danger" onClick={() => remove.mutate([...selected])}>
            Delete selected
          </button>
        </div>
      ) : null}
      {list.isPending ? <p>Loading…</p> : null}
      {list.error ? <p role="alert">{(list.error as Error).message}</p> : null}
      {list.data && contacts.length === 0 ? <p className="muted">No contacts found.</p> : null}
      {contacts.length > 0 ? (
        <div className="table-wrap">
          <table className="data" aria-label="Contacts">
            <thead>
              <tr>
                <th scope="col">
                  <span className="sr-only">Select</span>
                </th>
                <th scope="col">Name</th>
                <th scope="col">Phone</th>
                <th scope="col">E-mail</th>
                <th scope="col">Country</th>
                <th scope="col">Tags</th>
                <th scope="col">Groups</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {contacts.map((c) => (
                <tr key={c.id}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Select ${contactName(c) || c.phone}`}
                      checked={selected.has(c.id)}
                      onChange={() => toggle(c.id)}
                    />
                  </td>
                  <td>
                    <Link to={`/contacts/${c.id}`}>{contactName(c) || '(no name)'}</Link>
                  </td>
                  <td className="nowrap">{c.phone}</td>
                  <td>{c.email ?? ''}</td>
                  <td>{c.country ?? ''}</td>
                  <td>{c.tags.join(', ')}</td>
                  <td>{c.groupIds.map((g) => groupName.get(g) ?? g).join(', ')}</td>
                  <td>
                    <button type="button" className="danger" onClick={() => remove.mutate([c.id])}>
                      Delete<span className="sr-only"> {contactName(c) || c.phone}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {list.hasNextPage ? (
        <button type="button" onClick={() => list.fetchNextPage()} disabled={list.isFetchingNextPage}>
          {list.isFetchingNextPage ? 'Loading…' : 'Load more'}
        </button>
      ) : null}
      <CustomFields />
    </div>
  );
}

function emptyToNull(v: FormDataEntryValue | null): string | null {
  const s = String(v ?? '').trim();
  return s === '' ? null : s;
}

function fieldValue(f: ContactField, data: FormData): string | number | boolean | null {
  const name = `field.${f.key}`;
  if (f.type === 'boolean') return data.get(name) === 'on';
  const raw = emptyToNull(data.get(name));
  if (raw === null) return null;
  return f.type === 'number' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
}

function CustomField({ field, value }: { field: ContactField; value: unknown }) {
  const name = `field.${field.key}`;
  if (field.type === 'boolean') {
    return (
      <div className="field checkbox">
        <input id={name} name={name} type="checkbox" defaultChecked={value === true} />
        <label htmlFor={name}>{field.label}</label>
      </div>
    );
  }
  return (
    <TextField
      label={field.label}
      name={name}
      type={field.type === 'number' ? 'number' : field.type === 'date' ? 'date' : 'text'}
      step={field.type === 'number' ? 'any' : undefined}
      defaultValue={value === null || value === undefined ? '' : String(value)}
    />
  );
}

function ContactForm({
  contact,
  fields,
  groups,
}: {
  contact: Contact | null;
  fields: ContactField[];
  groups: Group[];
}) {
  const client = useQueryClient();
  const save = useMutation({
    mutationFn: (body: Record<string, unknown>) =>
      contact
        ? api<Contact>('PATCH', `/v1/contacts/${contact.id}`, body)
        : api<Contact>('POST', '/v1/contacts', body, true),
    onSuccess: async () => {
      await Promise.all([
        client.invalidateQueries({ queryKey: ['contacts'] }),
        client.invalidateQueries({ queryKey: ['contact'] }),
        client.invalidateQueries({ queryKey: ['groups'] }),
      ]);
      navigate('/contacts');
    },
  });
  const { fields: errors, general } = problemFields(save.error, CONTACT_CODES);
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const custom: Record<string, string | number | boolean | null> = {};
    for (const f of fields) custom[f.key] = fieldValue(f, data);
    save.mutate({
      phone: String(data.get('phone') ?? '').trim(),
      firstName: emptyToNull(data.get('firstName')),
      lastName: emptyToNull(data.get('lastName')),
      email: emptyToNull(data.get('email')),
      country: emptyToNull(data.get('country'))?.toUpperCase() ?? null,
      address: emptyToNull(data.get('address')),
      tags: String(data.get('tags') ?? '')
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
      fields: custom,
      groupIds: data.getAll('groupIds').map(String),
    });
  };
  return (
    <form onSubmit={onSubmit} noValidate className="card">
      <TextField
        label="Phone"
        name="phone"
        type="tel"
        autoComplete="off"
        required
        defaultValue={contact?.phone ?? ''}
        error={errors.phone}
        hint="International format, e.g. +37120000000"
      />
      <TextField
        label="First name"
        name="firstName"
        defaultValue={contact?.firstName ?? ''}
        error={errors.firstName}
      />
      <TextField
        label="Last name"
        name="lastName"
        defaultValue={contact?.lastName ?? ''}
        error={errors.lastName}
      />
      <TextField
        label="E-mail"
        name="email"
        type="email"
        defaultValue={contact?.email ?? ''}
        error={errors.email}
      />
      <TextField
        label="Country"
        name="country"
        maxLength={2}
        defaultValue={contact?.country ?? ''}
        error={errors.country}
        hint="Two letters, e.g. LV"
      />
      <TextArea
        label="Address"
        name="address"
        rows={2}
        defaultValue={contact?.address ?? ''}
        error={errors.address}
      />
      <TextField
        label="Tags"
        name="tags"
        defaultValue={contact?.tags.join(', ') ?? ''}
        error={errors.tags}
        hint="Separated by commas"
      />
      {fields.length > 0 ? (
        <fieldset>
          <legend>Custom fields</legend>
          {fields.map((f) => (
            <CustomField key={f.key} field={f} value={contact?.fields[f.key]} />
          ))}
          {errors.fields ? (
            <p className="field-error" role="alert">
              {errors.fields}
            </p>
          ) : null}
        </fieldset>
      ) : null}
      {groups.length > 0 ? (
        <fieldset>
          <legend>Groups</legend>
          {groups.map((g) => (
            <label key={g.id} className="check">
              <input
                type="checkbox"
                name="groupIds"
                value={g.id}
                defaultChecked={contact?.groupIds.includes(g.id) ?? false}
              />{' '}
              {g.name}
            </label>
          ))}
          {errors.groupIds ? (
            <p className="field-error" role="alert">
              {errors.groupIds}
            </p>
          ) : null}
        </fieldset>
      ) : null}
      <FormError message={general} />
      <div className="toolbar">
        <button type="submit" className="primary" disabled={save.isPending}>
          {contact ? 'Save contact' : 'Create contact'}
        </button>
        <Link to="/contacts" className="button">
          Cancel
        </Link>
      </div>
    </form>
  );
}

function Consents({ contact }: { contact: Contact }) {
  const client = useQueryClient();
  const record = useMutation({
    mutationFn: (body: Record<string, unknown>) =>
      api<Consent>('POST', `/v1/contacts/${contact.id}/consents`, body),
    onSuccess: () => client.invalidateQueries({ queryKey: ['contact', contact.id] }),
  });
  const { fields, general } = problemFields(record.error);
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    record.mutate({
      purpose: data.get('purpose'),
      granted: data.get('granted') === 'granted',
      source: String(data.get('source') ?? '').trim() || 'web',
    });
  };
  const history = [...(contact.consents ?? [])].reverse();
  return (
    <section className="card" aria-labelledby="consent-h">
      <h2 id="consent-h">Consent history</h2>
      {history.length === 0 ? <p className="muted">No consent recorded.</p> : null}
      <ul className="list" data-testid="consents">
        {history.map((c) => (
          <li key={c.id}>
            <strong>{c.purpose}</strong>: {c.granted ? 'granted' : 'withdrawn'}{' '}
            <span className="muted">
              via {c.source}, {formatTime(c.recordedAt)}
            </span>
          </li>
        ))}
      </ul>
      <form onSubmit={onSubmit} noValidate className="inline-form">
        <div className="field">
          <label htmlFor="consent-purpose">Purpose</label>
          <select id="consent-purpose" name="purpose" defaultValue="marketing">
            <option value="marketing">Marketing</option>
            <option value="transactional">Transactional</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="consent-granted">Consent</label>
          <select id="consent-granted" name="granted" defaultValue="granted">
            <option value="granted">Granted</option>
            <option value="withdrawn">Withdrawn</option>
          </select>
        </div>
        <TextField label="Source" name="source" placeholder="web form" error={fields.source} />
        <button type="submit" disabled={record.isPending}>
          Record consent
        </button>
      </form>
      <FormError message={general} />
    </section>
  );
}

export function ContactEditPage({ id }: { id?: string }) {
  usePageTitle(id ? 'Edit contact' : 'New contact');
  const contact = useQuery({
    queryKey: ['contact', id],
    queryFn: () => api<Contact>('GET', `/v1/contacts/${encodeURIComponent(id ?? '')}`),
    enabled: Boolean(id),
  });
  const fields = useQuery({
    queryKey: ['contact-fields'],
    queryFn: () => api<Page<ContactField>>('GET', '/v1/contact-fields'),
  });
  const groups = useGroups();
  const ready = (!id || contact.data) && fields.data && groups.data;
  return (
    <div>
      <h1 tabIndex={-1}>{id ? 'Edit contact' : 'New contact'}</h1>
      {contact.error ? <p role="alert">{(contact.error as Error).message}</p> : null}
      {ready ? (
        <ContactForm
          key={contact.data?.updatedAt ?? 'new'}
          contact={contact.data ?? null}
          fields={fields.data?.data ?? []}
          groups={groups.data?.data ?? []}
        />
      ) : (
        <p>Loading…</p>
      )}
      {contact.data ? <Consents contact={contact.data} /> : null}
      <p>
        <Link to="/contacts">All contacts</Link>
      </p>
    </div>
  );
}
