import { IconArrowDown, IconArrowUp, IconSelector } from '@tabler/icons-react';

export type SortKey = 'name' | 'phone' | 'created';
/** The list's order: a key, ascending, or `-key`, descending. */
export type Sort = SortKey | `-${SortKey}`;

/** A column header that sorts the list: the first click orders ascending (newest first for dates). */
export function SortHeader({
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
