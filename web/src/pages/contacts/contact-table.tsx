import type { Contact } from '../../api';
import { contactName } from '../../api/contacts';
import { Link } from '../../router';
import { type Sort, SortHeader } from './sort-header';

/** The contacts shown, each with a box to select it, its details, its groups by name and a delete button. */
export function ContactTable({
  contacts,
  groupName,
  sort,
  onSort,
  isSelected,
  onToggle,
  allShown,
  onToggleShown,
  onDelete,
}: {
  contacts: Contact[];
  groupName: ReadonlyMap<string, string>;
  sort: Sort;
  onSort: (s: Sort) => void;
  isSelected: (id: string) => boolean;
  onToggle: (id: string) => void;
  /** Every shown contact is selected (the header's box is ticked). */
  allShown: boolean;
  onToggleShown: () => void;
  onDelete: (id: string) => void;
}) {
  return (
    <div className="table-wrap">
      <table className="data" aria-label="Contacts">
        <thead>
          <tr>
            <th scope="col">
              <input
                type="checkbox"
                aria-label="Select all shown"
                checked={allShown}
                onChange={onToggleShown}
              />
            </th>
            <SortHeader label="Name" by="name" sort={sort} onSort={onSort} />
            <SortHeader label="Phone" by="phone" sort={sort} onSort={onSort} />
            <th scope="col">E-mail</th>
            <th scope="col">Country</th>
            <th scope="col">Tags</th>
            <th scope="col">Groups</th>
            <SortHeader label="Added" by="created" sort={sort} onSort={onSort} />
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
                  checked={isSelected(c.id)}
                  onChange={() => onToggle(c.id)}
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
                <button type="button" className="danger" onClick={() => onDelete(c.id)}>
                  Delete<span className="sr-only"> {contactName(c) || c.phone}</span>
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
