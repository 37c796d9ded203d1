import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, type Contact, type Page } from '../../api';
import { contactKeys, contactName } from '../../api/contacts';
import { useDebounced } from '../../hooks/use-debounced';
import { useGroups } from '../../hooks/use-groups';

/** Most recipients one send takes; bigger audiences are a campaign's job. */
const MAX_RECIPIENTS = 1000;

/** Adds numbers from the address book: a whole group, or contacts found by name, number or e-mail. */
export function RecipientPicker({ onAdd }: { onAdd: (phones: string[]) => void }) {
  const [query, setQuery] = useState('');
  const [groupId, setGroupId] = useState('');
  const [note, setNote] = useState<string | null>(null);
  const q = useDebounced(query.trim(), 300);
  const groups = useGroups();
  const found = useQuery({
    queryKey: contactKeys.search(q),
    queryFn: () => api<Page<Contact>>('GET', `/v1/contacts?limit=8&q=${encodeURIComponent(q)}`),
    enabled: q.length > 0,
  });
  const addGroup = useMutation({
    mutationFn: async (id: string) => {
      const phones: string[] = [];
      let cursor: string | null = null;
      do {
        const page: Page<Contact> = await api<Page<Contact>>(
          'GET',
          `/v1/contacts?limit=500&groupId=${encodeURIComponent(id)}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        phones.push(...page.data.map((c) => c.phone));
        cursor = page.nextCursor;
      } while (cursor && phones.length <= MAX_RECIPIENTS);
      return phones;
    },
    onSuccess: (phones) => {
      if (phones.length > MAX_RECIPIENTS) {
        setNote(`This group has more than ${MAX_RECIPIENTS} contacts: send to it with a campaign.`);
        return;
      }
      setNote(`${phones.length} ${phones.length === 1 ? 'number' : 'numbers'} added.`);
      onAdd(phones);
    },
  });
  const name = (c: Contact) => contactName(c) || c.phone;
  return (
    <fieldset className="picker">
      <legend>Add from contacts</legend>
      <div className="field">
        <label htmlFor="pick-group">Group</label>
        <div className="inline">
          <select id="pick-group" value={groupId} onChange={(e) => setGroupId(e.target.value)}>
            <option value="">Choose a group…</option>
            {groups.data?.data.map((g) => (
              <option key={g.id} value={g.id}>
                {g.name} ({g.memberCount})
              </option>
            ))}
          </select>
          <button
            type="button"
            disabled={!groupId || addGroup.isPending}
            onClick={() => addGroup.mutate(groupId)}
          >
            {addGroup.isPending ? 'Adding…' : 'Add the group'}
          </button>
        </div>
      </div>
      <div className="field">
        <label htmlFor="pick-contact">Find a contact</label>
        <input
          id="pick-contact"
          type="search"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          placeholder="Name, number or e-mail"
        />
      </div>
      {found.data && q ? (
        <ul className="list" aria-label="Contacts found">
          {found.data.data.length === 0 ? <li className="muted">No contact matches.</li> : null}
          {found.data.data.map((c) => (
            <li key={c.id}>
              {name(c)} <span className="muted">{c.phone}</span>{' '}
              <button
                type="button"
                onClick={() => {
                  onAdd([c.phone]);
                  setNote(`${name(c)} added.`);
                }}
              >
                Add
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <p className="muted" aria-live="polite">
        {note}
      </p>
    </fieldset>
  );
}
