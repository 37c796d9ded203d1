import type { MessagesTable } from '../../storage/schema';
import { microToCredits } from '../billing';

const iso = (ms: number | null) => (ms === null ? undefined : new Date(Number(ms)).toISOString());

export interface MessageView {
  id: string;
  to: string;
  from: string;
  text: string;
  type: MessagesTable['type'];
  status: MessagesTable['status'];
  encoding: MessagesTable['encoding'];
  segments: number;
  price: number;
  country: string | null;
  route: string | null;
  /** The route's name, when the route is known. */
  routeName?: string;
  /** True when a simulated carrier took it: it reached no real phone, whatever its status says. */
  simulated: boolean;
  createdAt: string;
  sendAt?: string;
  validUntil?: string;
  sentAt?: string;
  deliveredAt?: string;
  doneAt?: string;
  /** `code`: a normalised failure code (docs/failure-codes.md); `carrierCode`: the carrier's own, when it gave one. */
  error?: { code: string; detail: string | null; carrierCode?: string };
  /** Why a `held` message waits for the operator's review (`content_held` and the rule it matched). */
  hold?: { code: string; detail: string | null };
  reference?: string;
  campaignId?: string;
}

/** What a view shows of the route a message took (the dispatch module's registry knows it). */
export interface MessageRouteInfo {
  name: string;
  simulated: boolean;
}

/** A message as the API shows it. */
export function messageView(m: MessagesTable): MessageView {
  return routedMessageView(m, undefined);
}

/** A message as the API shows it, with what is known of the route it took. */
export function routedMessageView(m: MessagesTable, route: MessageRouteInfo | undefined): MessageView {
  const view: MessageView = {
    id: m.id,
    // An erased campaign message keeps a placeholder number (see ERASED_PREFIX): shown empty like the others.
    to: m.purged_at !== null && m.purged_at !== undefined ? '' : m.to_number,
    from: m.sender,
    text: m.text,
    type: m.type,
    status: m.status,
    encoding: m.encoding,
    segments: Number(m.segments),
    price: microToCredits(Number(m.price)),
    country: m.country,
    route: m.route_id,
    simulated: route?.simulated === true,
    createdAt: iso(m.created_at)!,
  };
  if (route) view.routeName = route.name;
  if (m.send_at !== null) view.sendAt = iso(m.send_at)!;
  if (m.valid_until !== null) view.validUntil = iso(m.valid_until)!;
  if (m.sent_at !== null) view.sentAt = iso(m.sent_at)!;
  if (m.status === 'delivered' && m.done_at !== null) view.deliveredAt = iso(m.done_at)!;
  if (m.done_at !== null) view.doneAt = iso(m.done_at)!;
  if (m.status === 'held') view.hold = { code: m.error_code ?? 'content_held', detail: m.error_detail };
  else if (m.error_code)
    view.error = m.carrier_error_code
      ? { code: m.error_code, detail: m.error_detail, carrierCode: m.carrier_error_code }
      : { code: m.error_code, detail: m.error_detail };
  if (m.reference !== null) view.reference = m.reference;
  if (m.campaign_id !== null) view.campaignId = m.campaign_id;
  return view;
}
