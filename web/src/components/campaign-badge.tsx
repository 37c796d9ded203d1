// A campaign's status as a coloured badge (its own module: the dashboard shows it without loading the campaign pages).
const STATUS_BADGE: Record<string, string> = {
  completed: 'delivered',
  cancelled: 'failed',
  sending: 'sending',
  scheduled: 'sent',
};

export function CampaignBadge({ status }: { status: string }) {
  return <span className={`badge badge-${STATUS_BADGE[status] ?? status}`}>{status}</span>;
}
