/** A campaign's counts so far (in `GET /v1/campaigns/:id`; the stats endpoint adds the detail). */
export interface CampaignStats {
  recipients: number;
  queued: number;
  sent: number;
  delivered: number;
  undelivered: number;
  failed: number;
  optedOut: number;
  clicks: number;
  uniqueClicks: number;
  cost: number;
}

export interface Campaign {
  id: string;
  name: string;
  status: 'draft' | 'scheduled' | 'sending' | 'paused' | 'completed' | 'cancelled';
  text: string | null;
  from: string | null;
  type: 'marketing' | 'transactional';
  groupIds: string[];
  contactFilter: { tags?: string[]; countries?: string[] } | null;
  sendAt: string | null;
  timezone: string;
  quietHours: 'account_default' | { start: string; end: string } | null;
  speedPerMinute: number | null;
  trackLinks: boolean;
  attachmentId: string | null;
  /** An A/B split: `text` is variant A's. */
  variants: Array<{ label: string; text: string; percent: number }> | null;
  /** A "resend to failed" draft: the campaign whose failed recipients it goes to. */
  resendOf: string | null;
  recipients: number;
  reservedCredits: number;
  fanout: { processed: number; done: boolean };
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  completedAt: string | null;
  stats?: CampaignStats;
}

/** What a draft would cost and what its recipients would get (`POST /v1/campaigns/:id/preview`). */
export interface CampaignPreview {
  recipients: number;
  segments: number;
  cost: number;
  currency: string;
  longest: { text: string; encoding: string; segments: number } | null;
  byCountry: Array<{ country: string | null; recipients: number; cost: number }>;
  samples: Array<{
    to: string;
    text: string;
    encoding: string;
    segments: number;
    price: number;
    variant?: string;
  }>;
  variants?: Array<{ label: string; recipients: number; segments: number; cost: number }>;
}

export interface Template {
  id: string;
  name: string;
  text: string;
  createdAt: string;
  updatedAt: string;
}

/** A file uploaded for a campaign; every recipient gets their own link to it. */
export interface Attachment {
  id: string;
  name: string;
  contentType: string;
  bytes: number;
  expiresAt: string;
}

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
