import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api, type Contact, type Page, query } from '../../api';
import { contactKeys } from '../../api/contacts';
import { LoadMore } from '../../components/load-more';
import { PageLayout } from '../../components/page';
import { FormError } from '../../forms';
import { useDebounced } from '../../hooks/use-debounced';
import { useGroups } from '../../hooks/use-groups';
import { Link, useLocation, usePageTitle } from '../../router';
import { ContactTable } from './contact-table';
import { CustomFields } from './custom-fields';
import { SelectionBar } from './selection-bar';
import type { Sort } from './sort-header';
import { useBulkActions } from './use-bulk-actions';

/** The address book: contacts found by text, group and tag, sorted, selected and acted on in bulk. */
export function ContactsPage() {
  usePageTitle('Contacts');
  const { search } = useLocation();
  const [q, setQ] = useState('');
  const [groupId, setGroupId] = useState(search.get('group') ?? '');
  const [tag, setTag] = useState('');
  const [sort, setSort] = useState<Sort>('-created');
  const [selected, setSelected] = useState<Set<string>>(new Set());
  /** "Select all N matching": the bulk actions then take the filter, not the ids. */
  const [allMatching, setAllMatching] = useState(false);
  const [target, setTarget] = useState('');
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
  const bulk = useBulkActions(filters, groupName, clearSelection);
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
  const onAdd = () => {
    if (allMatching) bulk.byFilter.mutate({ action: 'add_to_group', group: target });
    else bulk.addToGroup.mutate({ group: target, ids: [...selected] });
  };
  const onRemoveFromGroup = () => {
    if (allMatching) bulk.byFilter.mutate({ action: 'remove_from_group', group: filters.groupId });
    else bulk.removeFromGroup.mutate({ group: filters.groupId, ids: [...selected] });
  };
  const onDelete = () => {
    if (!allMatching) {
      bulk.remove.mutate([...selected]);
      return;
    }
    // Every contact of the filter at once has no undo button (they stay restorable through the API).
    if (window.confirm(`Delete all ${total} matching contacts?`)) bulk.byFilter.mutate({ action: 'delete' });
  };
  const exportQuery = (format: string) =>
    `/v1/contacts/export${query({ format, q: filters.q, groupId: filters.groupId, tag: filters.tag })}`;
  const { deleted, notice } = bulk;
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
          <button
            type="button"
            onClick={() => bulk.restore.mutate(deleted)}
            disabled={bulk.restore.isPending}
          >
            Undo
          </button>
        </div>
      ) : null}
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      <FormError message={bulk.error} />
      {selected.size > 0 || allMatching ? (
        <SelectionBar
          selectionSize={selectionSize}
          allMatching={allMatching}
          offerAllMatching={allShown && !allMatching && moreThanShown}
          total={total}
          onSelectAllMatching={() => setAllMatching(true)}
          onClear={clearSelection}
          groups={groups.data?.data ?? []}
          target={target}
          onTarget={setTarget}
          filteredGroup={filters.groupId ? (groupName.get(filters.groupId) ?? 'this group') : null}
          busy={bulk.busy}
          progress={bulk.progress}
          onAdd={onAdd}
          onRemoveFromGroup={onRemoveFromGroup}
          onDelete={onDelete}
        />
      ) : null}
      {list.isPending ? <p>Loading…</p> : null}
      {list.error ? <p role="alert">{(list.error as Error).message}</p> : null}
      {list.data && contacts.length === 0 ? <p className="muted">No contacts found.</p> : null}
      {contacts.length > 0 ? (
        <ContactTable
          contacts={contacts}
          groupName={groupName}
          sort={sort}
          onSort={setSort}
          isSelected={(id) => allMatching || selected.has(id)}
          onToggle={toggle}
          allShown={allShown}
          onToggleShown={toggleShown}
          onDelete={(id) => bulk.remove.mutate([id])}
        />
      ) : null}
      <LoadMore pages={list} busyLabel="Loading…" />
      <CustomFields />
    </PageLayout>
  );
}
