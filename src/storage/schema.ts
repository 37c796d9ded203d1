// The row types of the core tables, one interface per table; other contexts' tables live in schema-*.ts.
import type { Generated } from 'kysely';
import type { CampaignsTables } from './schema-campaigns';
import type { ContactsTables } from './schema-contacts';
import type { ImportsTables } from './schema-imports';
import type { InboundTables } from './schema-inbound';
import type { KeywordsTables } from './schema-keywords';
import type { LinksTables } from './schema-links';
import type { PrivacyTables } from './schema-privacy';
import type { ProcessorTables } from './schema-processor';
import type { SmppTables } from './schema-smpp';
import type { TrustTables } from './schema-trust';
import type { TwilioTables } from './schema-twilio';
import type { WebhooksTables } from './schema-webhooks';

/**
 * Row types of every table, as Kysely sees them. Conventions: ids are prefixed text; times are integer
 * milliseconds since the epoch (UTC); money is integer micro-credits; JSON is stored as text; flags are
 * integers 0/1 so both dialects read them the same way.
 */
export interface AccountsTable {
  id: string;
  name: string;
  status: 'active' | 'suspended' | 'closed';
  default_country: string | null;
  settings: string;
  created_at: number;
  suspended_at: number | null;
  closed_at: number | null;
}

export interface UsersTable {
  id: string;
  account_id: string;
  email: string;
  name: string;
  password_hash: string;
  role: 'owner' | 'admin' | 'developer' | 'sender' | 'viewer';
  email_verified_at: number | null;
  totp_secret: string | null;
  totp_enabled_at: number | null;
  /** The TOTP time step last accepted: a code of this step or an older one is refused. */
  totp_last_step?: number | null;
  created_at: number;
}

export interface StaffUsersTable {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  role: 'superadmin' | 'operator' | 'support' | 'auditor';
  totp_secret: string | null;
  totp_enabled_at: number | null;
  /** The TOTP time step last accepted: a code of this step or an older one is refused. */
  totp_last_step?: number | null;
  created_at: number;
  disabled_at: number | null;
}

export interface SessionsTable {
  id: string;
  token_hash: string;
  principal_type: 'user' | 'staff';
  principal_id: string;
  account_id: string | null;
  csrf_token: string;
  ip: string | null;
  user_agent: string | null;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
}

export interface ApiKeysTable {
  id: string;
  account_id: string | null;
  staff_id: string | null;
  name: string;
  prefix: string;
  secret_hash: string;
  scopes: string;
  created_by: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface PolicyConsentsTable {
  id: string;
  account_id: string;
  user_id: string;
  policy_version: string;
  accepted_at: number;
  ip: string | null;
  user_agent: string | null;
}

export interface AuthTokensTable {
  id: string;
  user_id: string;
  /** `reset_password` also serves invitations; `unlock_login` lifts a sign-in lock (user or staff id). */
  purpose: 'verify_email' | 'reset_password' | 'unlock_login';
  token_hash: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface LoginFailuresTable {
  id: string;
  /** The e-mail (`staff:` prefixed for operators) the attempt was for. */
  email: string;
  ip: string;
  at: number;
  /** `login`: a sign-in attempt; `reset`: a password-reset request; `signup_notice`: a taken-address mail. */
  kind?: 'login' | 'reset' | 'signup_notice';
  /** `pending` while a login attempt is being checked; `counted` once it failed (or for other kinds). */
  state?: 'pending' | 'counted';
}

export interface CreditLedgerTable {
  id: string;
  account_id: string;
  kind: 'grant' | 'topup' | 'topup_refund' | 'adjustment' | 'reserve' | 'release' | 'charge' | 'refund';
  /** Effect on the balance (micro-credits; negative for charges). */
  amount: number;
  /** Effect on the reserved amount (reservations add, commits and releases subtract). */
  reserved_delta: number;
  ref_type: string | null;
  ref_id: string | null;
  note: string | null;
  created_at: number;
}

/** A purchase of credits through a payment provider (Stripe, Paysera); amounts in the currency's minor units. */
export interface PaymentsTable {
  id: string;
  account_id: string;
  provider: 'stripe' | 'paysera';
  /** Our order id as the provider knows it (Stripe's Checkout Session id, Paysera's orderid). */
  provider_order_id: string;
  /** The provider's payment id once paid (Stripe's PaymentIntent, Paysera's requestid). */
  provider_transaction_id: string | null;
  amount_minor: number;
  currency: string;
  credits_micro: number;
  status: 'pending' | 'paid' | 'cancelled' | 'refunded' | 'failed';
  created_at: number;
  paid_at: number | null;
  refunded_at: number | null;
  updated_at: number;
}

export interface AccountBalancesTable {
  account_id: string;
  balance: number;
  reserved: number;
  /** Free sign-up credits (within `balance`) that cannot be spent until the owner's e-mail is verified. */
  locked_free: Generated<number>;
  updated_at: number;
}

export interface AuditEventsTable {
  id: string;
  chain: string;
  seq: number;
  account_id: string | null;
  actor_type: 'user' | 'staff' | 'api_key' | 'system';
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  data: string | null;
  at: number;
  prev_hash: string;
  hash: string;
}

export interface AuditChainHeadsTable {
  chain: string;
  seq: number;
  hash: string;
}

export interface IdempotencyKeysTable {
  scope: string;
  key: string;
  request_hash: string;
  response_status: number | null;
  response_body: string | null;
  created_at: number;
  expires_at: number;
}

export type MessageStatus =
  | 'scheduled'
  | 'held'
  | 'queued'
  | 'sending'
  | 'sent'
  | 'delivered'
  | 'undelivered'
  | 'expired'
  | 'failed'
  | 'rejected'
  | 'cancelled';

export interface MessagesTable {
  id: string;
  account_id: string;
  to_number: string;
  sender: string;
  text: string;
  type: 'transactional' | 'marketing';
  status: MessageStatus;
  encoding: 'GSM-7' | 'UCS-2';
  segments: number;
  /** Total price of the message (unit price × segments), micro-credits. */
  price: number;
  country: string | null;
  reference: string | null;
  campaign_id: string | null;
  send_at: number | null;
  valid_until: number | null;
  route_id: string | null;
  carrier_ref: string | null;
  attempts: number;
  /** One of the normalised failure codes (docs/failure-codes.md) or a platform code (`recipient_opted_out`, …). */
  error_code: string | null;
  error_detail: string | null;
  /** The carrier's own code behind `error_code` (`ESME_RINVDSTADR`, a receipt's `err:` value), as it gave it. */
  carrier_error_code: string | null;
  /** 1 once the reservation became a charge, so a message is never charged twice. */
  charged: number;
  created_by: string | null;
  created_at: number;
  updated_at: number;
  sent_at: number | null;
  done_at: number | null;
  /** When the client deleted it (hidden at once, restorable for 60 days); optional: added by 0009_privacy. */
  deleted_at?: number | null;
  /** When its number, text and derived copies were erased (the row stays for counts until removal). */
  purged_at?: number | null;
  /** The A/B variant of a campaign message (0 = A; 0022_campaign_variants); null otherwise. */
  variant?: number | null;
  /** The route's cost of the message, all segments, micro-credits; null when the route has no cost for it. */
  cost?: number | null;
  /** How its route was chosen: JSON `{ rule, strategy, reason }` (0028_costs_routing). */
  routing?: string | null;
  /** 1 when the sender asked for per-message status callbacks (0031_twilio_services); 0 otherwise. */
  status_callback?: number;
}

export interface MessageEventsTable {
  id: string;
  message_id: string;
  status: string;
  detail: string | null;
  at: number;
}

export interface JobsTable {
  id: string;
  kind: string;
  payload: string;
  run_at: number;
  attempts: number;
  lease_until: number;
  lease_owner: string | null;
  last_error: string | null;
  created_at: number;
}

export interface DeliveryReportsTable {
  id: string;
  route_id: string;
  carrier_ref: string;
  status: string;
  error_code: string | null;
  raw: string;
  received_at: number;
  message_id: string | null;
  applied_at: number | null;
  /** Sweep tries so far (0014_receipts_webhooks; optional so that older inserts still type-check). */
  match_attempts?: number;
  /** When the safety-net sweep tries this waiting receipt again. */
  next_match_at?: number | null;
  /** When the sweep gave up on it: it stays stored (retention applies) and an outcome can still match it. */
  unmatched_at?: number | null;
}

export interface SuppressionsTable {
  account_id: string;
  phone: string;
  /** 'marketing' blocks marketing only; 'all' blocks every message. */
  scope: 'marketing' | 'all';
  reason: string | null;
  source: string;
  created_at: number;
}

export interface PriceListsTable {
  /** 'default' or an account id. */
  owner: string;
  prices: string;
  updated_at: number;
}

export interface SimulatorReportsTable {
  carrier_ref: string;
  route_id: string;
  status: string;
  due_at: number;
}

/** A worker process's live view of one route it holds binds for (0037_route_health). */
export interface RouteHealthTable {
  route_id: string;
  worker_id: string;
  connected_binds: number;
  in_flight: number;
  sent_last_minute: number;
  errors_last_minute: number;
  last_error: string | null;
  updated_at: number;
}

/** One fact about the deployment as a whole (0035_platform_settings). */
export interface PlatformSettingsTable {
  key: string;
  value: string;
  updated_at: number;
}

export interface RoutesTable {
  id: string;
  name: string;
  /** A type of the route-type registry (src/adapters/route-types.ts); checked in code, not by the database. */
  type: string;
  enabled: number;
  /** JSON; holds credentials, never returned by the API. */
  config: string;
  created_at: number;
  updated_at: number;
  /** When its carrier costs (route_costs) last changed; null: never (0028_costs_routing). */
  costs_updated_at?: number | null;
}

/** A carrier's callback on `/hooks/routes/:routeId/:kind`, stored before it is answered (dispatch). */
export interface RouteCallbacksTable {
  id: string;
  route_id: string;
  /** `status` (delivery reports) or `inbound`. */
  kind: string;
  received_at: number;
  method: string;
  /** The URL as the carrier called it, its token masked. */
  url: string;
  /** JSON: the few headers a parser reads (content type, authorization is never kept). */
  headers: string;
  body: string;
  /** `pending`, `applied`, or `failed` (the parser refused it; `error` says why). */
  status: string;
  attempts: number;
  /** A worker applying it holds it until then (ms). */
  lease_until: number;
  error: string | null;
  applied_at: number | null;
}

export interface RoutingRulesTable {
  id: string;
  priority: number;
  /** JSON `{ accountId?, countries?, prefixes?, type?, sender? }`. */
  match: string;
  /** JSON array: primary route first, then failovers. */
  route_ids: string;
  /** 1 when the operator allowed simulated routes in `route_ids`; without it they are never used. */
  allow_simulator: number;
  /** `priority` | `least_cost` | `quality` (0028_costs_routing). */
  strategy: string;
  /** JSON thresholds of the strategy: `{ minDeliveryRate, maxLatencyMs, window, probeShare }`. */
  strategy_options: string | null;
  created_at: number;
  updated_at: number;
}

/** A carrier's cost per segment through a route: by prefix, by country, or the route's default (both ''). */
export interface RouteCostsTable {
  route_id: string;
  country: string;
  prefix: string;
  /** Micro-credits per segment. */
  cost: number;
  updated_at: number;
}

/** An operator's test send through one route (dispatch module; no message row, charged to nobody). */
export interface RouteTestsTable {
  id: string;
  route_id: string;
  staff_id: string | null;
  to_number: string;
  sender: string;
  text: string;
  segments: number;
  /** What the carrier answered: 'accepted' or 'failed'. */
  status: 'accepted' | 'failed';
  carrier_ref: string | null;
  error_code: string | null;
  error_detail: string | null;
  carrier_error_code: string | null;
  receipt_status: string | null;
  receipt_error_code: string | null;
  receipt_raw: string | null;
  receipt_at: number | null;
  created_at: number;
}

export interface MessageRefsTable {
  route_id: string;
  ref: string;
  message_id: string;
}

export interface Database
  extends WebhooksTables,
    InboundTables,
    KeywordsTables,
    ContactsTables,
    CampaignsTables,
    ImportsTables,
    ProcessorTables,
    LinksTables,
    PrivacyTables,
    TwilioTables,
    SmppTables,
    TrustTables {
  routes: RoutesTable;
  platform_settings: PlatformSettingsTable;
  route_health: RouteHealthTable;
  routing_rules: RoutingRulesTable;
  route_costs: RouteCostsTable;
  route_callbacks: RouteCallbacksTable;
  route_tests: RouteTestsTable;
  message_refs: MessageRefsTable;
  messages: MessagesTable;
  message_events: MessageEventsTable;
  jobs: JobsTable;
  delivery_reports: DeliveryReportsTable;
  suppressions: SuppressionsTable;
  price_lists: PriceListsTable;
  simulator_reports: SimulatorReportsTable;
  accounts: AccountsTable;
  users: UsersTable;
  staff_users: StaffUsersTable;
  sessions: SessionsTable;
  api_keys: ApiKeysTable;
  policy_consents: PolicyConsentsTable;
  auth_tokens: AuthTokensTable;
  login_failures: LoginFailuresTable;
  credit_ledger: CreditLedgerTable;
  payments: PaymentsTable;
  account_balances: AccountBalancesTable;
  audit_events: AuditEventsTable;
  audit_chain_heads: AuditChainHeadsTable;
  idempotency_keys: IdempotencyKeysTable;
}
