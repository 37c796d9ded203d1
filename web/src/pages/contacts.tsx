import { IconArrowDown, IconArrowUp, IconSelector } from '@tabler/icons-react';
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
import { contactKeys, useContactFields } from '../api/contacts';
import { groupKeys } from '../api/groups';
import { LoadMore } from '../components/load-more';
import { PageLayout } from '../components/page';
import { SelectField } from '../components/select-field';
import { FormError, TextArea, TextField } from '../forms';
import { useDebounced } from '../hooks/use-debounced';
import { useGroups } from '../hooks/use-groups';
import { Link, navigate, useLocation, usePageTitle } from '../router';
import { toast } from '../toast';

export function contactName(c: Contact): string {
  return [c.firstName, c.lastName].filter(Boolean).join(' ');
}

/** The contact's phone field is where a bad number belongs, whatever code the server chose. */
const CONTACT_CODES = { invalid_phone_number: 'phone', recipient_opted_out: 'phone' };

/** The account's custom contact fields, and a form to add one (they then appear on every contact form). */
function CustomFields() {
  const client = useQueryClient();
  const list = useContactFields();
  const add = useMutation({
    mutationFn: (body: Record<string, string>) => api<ContactField>('POST', '/v1/contact-fields', body),
    onSuccess: () => client.invalidateQueries({ queryKey: contactKeys.fields() }),
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
        <SelectField
          label="Field type"
          id="field-type"
          name="type"
          defaultValue="text"
          options={[
            { value: 'text', label: 'Text' },
            { value: 'number', label: 'Number' },
            { value: 'date', label: 'Date' },
            { value: 'boolean', label: 'Yes/no' },
          ]}
        />
        <button type="submit" disabled={add.isPending}>
          Add field
        </button>
      </form>
      <FormError message={general} />
    </details>
  );
}

type SortKey = 'name' | 'phone' | 'created';
type Sort = SortKey | `-${SortKey}`;

interface BulkAnswer {
  processed: number;
  affected: number;
  nextCursor: string | null;
}

/** A column header that sorts the list: the first click orders ascending (newest first for dates). */
function SortHeader({
  label,
  by,
  sort,
  onSort,
}: {
  label: string;
  by: SortKey;
  sort: Sort;
  onSort: (s: Sort) => void;
}) {
  const active = sort === by || sort === `-${by}`;
  const descending = sort.startsWith('-');
  const next: Sort = active ? (descending ? by : `-${by}`) : by === 'created' ? '-created' : by;
  return (
    <th scope="col" aria-sort={active ? (descending ? 'descending' : 'ascending') : 'none'}>
      <button type="button" className="sort" onClick={() => onSort(next)}>
        {label}
        {active ? (
          descending ? (
            <IconArrowDown size={16} aria-hidden="true" />
          ) : (
            <IconArrowUp size={16} aria-hidden="true" />
          )
        ) : (
          <IconSelector size={16} aria-hidden="true" className="muted" />
        )}
        <span className="sr-only">, sort {next.startsWith('-') ? 'descending' : 'ascending'}</span>
      </button>
    </th>
  );
}

export function ContactsPage() {
  usePageTitle('Contacts');
  const client = useQueryClient();
  const { search } = useLocation();
  const [q, setQ] = useState('');
  const [groupId, setGroupId] = useState(search.get('group') ?? '');
  const [tag, setTag] = useState('');
  const [sort, setSort] = useState<Sort>('-created');
  const [selected, setSelected] = useState<Set<string>>(new Set());
  /** "Select all N matching": the bulk actions then take the filter, not the ids. */
  const [allMatching, setAllMatching] = useState(false);
  const [target, setTarget] = useState('');
  const [deleted, setDeleted] = useState<string[]>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const filters = useDebounced({ q: q.trim(), groupId, tag: tag.trim() }, 300);
  const filterKey = JSON.stringify(filters);
  // Another filter is another set of contacts: a selection made under the old one does not carry over.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the key stands for the filters
  useEffect(() => {
    setSelected(new Set());
    setAllMatching(false);
  }, [filterKey]);
  const groups = useGroups();
  const groupName = new Map((groups.data?.data ?? []).map((g) => [g.id, g.name]));
  const list = useInfiniteQuery({
    queryKey: contactKeys.list(filters, sort),
    queryFn: ({ pageParam }) =>
      api<Page<Contact>>('GET', `/v1/contacts${query({ limit: 50, cursor: pageParam, sort, ...filters })}`),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    // Keep showing the last answer while a new search runs, so rows (and their open forms) stay put.
    placeholderData: keepPreviousData,
  });
  const count = useQuery({
    queryKey: contactKeys.count(filters),
    queryFn: () => api<{ total: number; capped: boolean }>('GET', `/v1/contacts/count${query(filters)}`),
    placeholderData: keepPreviousData,
  });
  const total = count.data ? `${count.data.total.toLocaleString()}${count.data.capped ? '+' : ''}` : null;
  const contacts = list.data?.pages.flatMap((p) => p.data) ?? [];
  const clearSelection = () => {
    setSelected(new Set());
    setAllMatching(false);
  };
  const refresh = () =>
    Promise.all([
      client.invalidateQueries({ queryKey: contactKeys.all }),
      client.invalidateQueries({ queryKey: groupKeys.all }),
    ]);
  const remove = useMutation({
    mutationFn: (ids: string[]) => api<unknown>('POST', '/v1/contacts/delete', { ids }),
    onSuccess: (_r, ids) => {
      setDeleted(ids);
      clearSelection();
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
      clearSelection();
      setNotice(`Added ${r.added} to ${r.group.name} (${r.group.memberCount} members).`);
      return refresh();
    },
  });
  const removeFromGroup = useMutation({
    mutationFn: ({ group, ids }: { group: string; ids: string[] }) =>
      api<{ removed: number; group: Group }>('DELETE', `/v1/groups/${group}/contacts`, { contactIds: ids }),
    onSuccess: (r) => {
      clearSelection();
      setNotice(`Removed ${r.removed} from ${r.group.name} (${r.group.memberCount} members).`);
      return refresh();
    },
  });
  /** A bulk action on every contact of the filter: one request per 10,000 contacts, until none is left. */
  const byFilter = useMutation({
    mutationFn: async (input: {
      action: 'add_to_group' | 'remove_from_group' | 'delete';
      group?: string;
    }) => {
      let cursor: string | null = null;
      let affected = 0;
      let processed = 0;
      setProgress(0);
      try {
        do {
          const r: BulkAnswer = await api<BulkAnswer>('POST', '/v1/contacts/bulk', {
            // The filters the list shows, without the empty ones (an empty group id is no group).
            filter: Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== '')),
            action: input.action,
            ...(input.group ? { groupId: input.group } : {}),
            ...(cursor ? { cursor } : {}),
          });
          affected += r.affected;
          processed += r.processed;
          setProgress(processed);
          cursor = r.nextCursor;
        } while (cursor);
      } finally {
        setProgress(null);
      }
      return { ...input, affected };
    },
    onSuccess: (r) => {
      clearSelection();
      setDeleted([]);
      const name = r.group ? (groupName.get(r.group) ?? 'the group') : '';
      const n = `${r.affected.toLocaleString()} ${r.affected === 1 ? 'contact' : 'contacts'}`;
      setNotice(
        r.action === 'add_to_group'
          ? `Added ${n} to ${name}.`
          : r.action === 'remove_from_group'
            ? `Removed ${n} from ${name}.`
            : `Deleted ${n}.`,
      );
      return refresh();
    },
  });
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
    setAllMatching(false);
  };
  const allShown = contacts.length > 0 && contacts.every((c) => selected.has(c.id));
  const toggleShown = () => {
    setAllMatching(false);
    setSelected(allShown ? new Set() : new Set(contacts.map((c) => c.id)));
  };
  const selectionSize = allMatching ? (total ?? '') : selected.size.toLocaleString();
  const moreThanShown = count.data !== undefined && count.data.total > contacts.length;
  const busy = addToGroup.isPending || removeFromGroup.isPending || remove.isPending || byFilter.isPending;
  const onAdd = () => {
    if (allMatching) byFilter.mutate({ action: 'add_to_group', group: target });
    else addToGroup.mutate({ group: target, ids: [...selected] });
  };
  const onRemoveFromGroup = () => {
    if (allMatching) byFilter.mutate({ action: 'remove_from_group', group: filters.groupId });
    else removeFromGroup.mutate({ group: filters.groupId, ids: [...selected] });
  };
  const onDelete = () => {
    if (!allMatching) {
      remove.mutate([...selected]);
      return;
    }
    // Every contact of the filter at once has no undo button (they stay restorable through the API).
    if (window.confirm(`Delete all ${total} matching contacts?`)) byFilter.mutate({ action: 'delete' });
  };
  const exportQuery = (format: string) =>
    `/v1/contacts/export${query({ format, q: filters.q, groupId: filters.groupId, tag: filters.tag })}`;
  const bulkError = problemFields(
    remove.error ?? addToGroup.error ?? removeFromGroup.error ?? byFilter.error ?? restore.error,
  ).general;
  return (
    <PageLayout title="Contacts">
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
      {total !== null ? (
        <p className="muted" data-testid="contact-count" aria-live="polite">
          {total} {count.data?.total === 1 ? 'contact' : 'contacts'}
          {filters.q || filters.groupId || filters.tag ? ' match the filter' : ''}
        </p>
      ) : null}
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
      {selected.size > 0 || allMatching ? (
        <div className="selection-bar">
          <div className="toolbar selection" data-testid="selection">
            <strong>
              {allMatching ? `All ${selectionSize} matching selected` : `${selectionSize} selected`}
            </strong>
            {allShown && !allMatching && moreThanShown ? (
              <button type="button" onClick={() => setAllMatching(true)}>
                Select all {total} matching
              </button>
            ) : null}
            <button type="button" onClick={clearSelection}>
              Clear selection
            </button>
          </div>
          <div className="toolbar selection">
            <label htmlFor="add-to-group">Add to group</label>
            <select id="add-to-group" value={target} onChange={(e) => setTarget(e.target.value)}>
              <option value="">Choose a group…</option>
              {groups.data?.data.map((g) => (
                <option key={g.id} value={g.id}>
                  {g.name}
                </option>
              ))}
            </select>
            <button type="button" disabled={!target || busy} onClick={onAdd}>
              Add
            </button>
            {filters.groupId ? (
              <button type="button" disabled={busy} onClick={onRemoveFromGroup}>
                Remove from {groupName.get(filters.groupId) ?? 'this group'}
              </button>
            ) : null}
            <button type="button" className="danger" disabled={busy} onClick={onDelete}>
              {allMatching ? `Delete all ${selectionSize}` : 'Delete selected'}
            </button>
            {progress !== null ? <span role="status">Working… {progress.toLocaleString()} done</span> : null}
          </div>
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
                  <input
                    type="checkbox"
                    aria-label="Select all shown"
                    checked={allShown}
                    onChange={toggleShown}
                  />
                </th>
                <SortHeader label="Name" by="name" sort={sort} onSort={setSort} />
                <SortHeader label="Phone" by="phone" sort={sort} onSort={setSort} />
                <th scope="col">E-mail</th>
                <th scope="col">Country</th>
                <th scope="col">Tags</th>
                <th scope="col">Groups</th>
                <SortHeader label="Added" by="created" sort={sort} onSort={setSort} />
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
                      checked={allMatching || selected.has(c.id)}
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
                  <td className="nowrap">{new Date(c.createdAt).toLocaleDateString()}</td>
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
      <LoadMore pages={list} busyLabel="Loading…" />
      <CustomFields />
    </PageLayout>
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
        client.invalidateQueries({ queryKey: contactKeys.all }),
        client.invalidateQueries({ queryKey: groupKeys.all }),
      ]);
      toast(contact ? 'Contact saved.' : 'Contact added.');
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
    onSuccess: () => client.invalidateQueries({ queryKey: contactKeys.detail(contact.id) }),
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
        <SelectField
          label="Purpose"
          id="consent-purpose"
          name="purpose"
          defaultValue="marketing"
          options={[
            { value: 'marketing', label: 'Marketing' },
            { value: 'transactional', label: 'Transactional' },
          ]}
        />
        <SelectField
          label="Consent"
          id="consent-granted"
          name="granted"
          defaultValue="granted"
          options={[
            { value: 'granted', label: 'Granted' },
            { value: 'withdrawn', label: 'Withdrawn' },
          ]}
        />
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
    queryKey: contactKeys.detail(id),
    queryFn: () => api<Contact>('GET', `/v1/contacts/${encodeURIComponent(id ?? '')}`),
    enabled: Boolean(id),
  });
  const fields = useContactFields();
  const groups = useGroups();
  const ready = (!id || contact.data) && fields.data && groups.data;
  return (
    <PageLayout title={id ? 'Edit contact' : 'New contact'}>
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
    </PageLayout>
  );
}
