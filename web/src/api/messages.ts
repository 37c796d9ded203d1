/** Query keys of sent and received messages: everything about outbound messages sits under `messageKeys.all`. */
export const messageKeys = {
  all: ['messages'] as const,
  list: (filters: unknown) => [...messageKeys.all, 'list', filters] as const,
  recent: () => [...messageKeys.all, 'recent'] as const,
  scheduled: () => [...messageKeys.all, 'scheduled'] as const,
  stats: (days: number, utcOffsetMinutes: number) =>
    [...messageKeys.all, 'stats', days, utcOffsetMinutes] as const,
  detail: (id: string) => [...messageKeys.all, 'detail', id] as const,
  /** The send form's price and encoding preview of a draft. */
  preview: (draft: unknown) => ['message-preview', draft] as const,
  /** Replies and other inbound messages. */
  inbound: () => ['inbound'] as const,
  /** A delivery report (`/v1/reports/...`) for a period. */
  report: (path: string, from: string, until: string, groupBy: string) =>
    ['report', path, from, until, groupBy] as const,
};
