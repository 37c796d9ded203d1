/** What a cursor-paged query (TanStack's `useInfiniteQuery`) offers for fetching its next page. */
export interface NextPages {
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => unknown;
}

/**
 * The button under a cursor-paged list that fetches the next page; absent on the last page. `busyLabel`
 * names the button while the page loads (the message log says "Loading…"); otherwise it keeps its label.
 */
export function LoadMore({
  pages,
  label = 'Load more',
  busyLabel,
}: {
  pages: NextPages;
  label?: string;
  busyLabel?: string;
}) {
  if (!pages.hasNextPage) return null;
  return (
    <button type="button" onClick={() => pages.fetchNextPage()} disabled={pages.isFetchingNextPage}>
      {busyLabel && pages.isFetchingNextPage ? busyLabel : label}
    </button>
  );
}
