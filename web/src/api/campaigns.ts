/** Query keys of campaigns: lists under `campaignKeys.all`, one campaign's data under `campaignKeys.one(id)`. */
export const campaignKeys = {
  all: ['campaigns'] as const,
  pages: () => [...campaignKeys.all, 'pages'] as const,
  recent: () => [...campaignKeys.all, 'recent'] as const,
  /** The message log's campaign filter. */
  options: () => [...campaignKeys.all, 'options'] as const,
  one: (id: string | undefined) => ['campaign', id] as const,
  detail: (id: string | undefined) => [...campaignKeys.one(id), 'detail'] as const,
  stats: (id: string, progress: unknown, status: string) =>
    [...campaignKeys.one(id), 'stats', progress, status] as const,
  failed: (id: string, count: number) => [...campaignKeys.one(id), 'failed', count] as const,
  preview: (id: string | undefined, updatedAt: string | undefined) =>
    [...campaignKeys.one(id), 'preview', updatedAt] as const,
  attachment: (id: string | null | undefined) => ['attachment', id] as const,
};

/** Query keys of message templates. */
export const templateKeys = {
  all: ['templates'] as const,
  pages: () => [...templateKeys.all, 'pages'] as const,
  /** The campaign editor's template picker. */
  options: () => [...templateKeys.all, 'options'] as const,
};
