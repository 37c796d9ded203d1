/** The only way the app talks to the server: the public HTTP API with a session cookie and a CSRF token. */
import { MESSAGE_STATUSES, type MessageStatus, USER_ROLES } from './generated';

export interface FieldError {
  path: string;
  message: string;
}

interface Problem {
  code?: string;
  title?: string;
  detail?: string;
  status?: number;
  errors?: FieldError[];
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly errors: FieldError[];
  constructor(status: number, problem: Problem) {
    super(problem.detail ?? problem.title ?? `Request failed (${status})`);
    this.status = status;
    this.code = problem.code ?? 'unknown';
    this.errors = problem.errors ?? [];
  }
}

// Client and staff sessions are separate cookies with separate CSRF tokens.
const csrf = { client: '', admin: '' };

export function setCsrf(area: 'client' | 'admin', token: string | undefined) {
  csrf[area] = token ?? '';
}

export async function api<T>(method: string, path: string, body?: unknown, idempotent = false): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') {
    const token = path.startsWith('/v1/admin') ? csrf.admin : csrf.client;
    if (token) headers['x-csrf-token'] = token;
    if (idempotent) headers['idempotency-key'] = crypto.randomUUID();
  }
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? null : JSON.stringify(body),
  });
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { detail: text };
  }
  if (!response.ok) throw new ApiError(response.status, (data ?? {}) as Problem);
  return data as T;
}

/**
 * Sends and reads text (CSV) instead of JSON: `body` goes as `contentType`, the answer is asked for as
 * `accept` and returned as text; an error answer throws the problem like `api` does.
 */
export async function apiText(
  method: string,
  path: string,
  options: { body?: string; contentType?: string; accept?: string } = {},
): Promise<string> {
  const headers: Record<string, string> = { accept: options.accept ?? 'text/csv' };
  if (options.body !== undefined) headers['content-type'] = options.contentType ?? 'text/csv';
  if (method !== 'GET') {
    const token = path.startsWith('/v1/admin') ? csrf.admin : csrf.client;
    if (token) headers['x-csrf-token'] = token;
  }
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: options.body ?? null,
  });
  const text = await response.text();
  if (!response.ok) {
    let problem: Problem = { detail: text };
    try {
      problem = JSON.parse(text) as Problem;
    } catch {
      // Not a problem document: keep the text as the detail.
    }
    throw new ApiError(response.status, problem);
  }
  return text;
}

/** Offers text to the browser as a file to save. */
export function saveText(text: string, filename: string, type = 'text/csv'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * Calls an endpoint that answers a file (an export) and saves it in the browser: the answer needs the
 * CSRF header of a POST, so a plain link cannot fetch it.
 */
export async function download(method: string, path: string, body: unknown, filename: string): Promise<void> {
  const headers: Record<string, string> = { accept: '*/*', 'content-type': 'application/json' };
  const token = path.startsWith('/v1/admin') ? csrf.admin : csrf.client;
  if (token) headers['x-csrf-token'] = token;
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: JSON.stringify(body),
  });
  if (!response.ok) {
    const text = await response.text();
    let problem: Problem = { detail: text };
    try {
      problem = JSON.parse(text) as Problem;
    } catch {
      // Not a problem document: keep the text as the detail.
    }
    throw new ApiError(response.status, problem);
  }
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * Sends a multipart form (a file upload) and reports the bytes sent so far: fetch cannot tell upload
 * progress, XMLHttpRequest can.
 */
export function upload<T>(path: string, form: FormData, onProgress?: (sent: number, total: number) => void) {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.setRequestHeader('accept', 'application/json');
    if (csrf.client) xhr.setRequestHeader('x-csrf-token', csrf.client);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress?.(e.loaded, e.total);
    };
    xhr.onerror = () => reject(new Error('The upload failed: check the connection and try again.'));
    xhr.onload = () => {
      let data: unknown = null;
      try {
        data = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        data = { detail: xhr.responseText };
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(data as T);
      else reject(new ApiError(xhr.status, (data ?? {}) as Problem));
    };
    xhr.send(form);
  });
}

/** Codes that concern one field even when the problem has no `errors` list. */
const CODE_FIELDS: Record<string, string> = {
  policy_not_accepted: 'acceptPolicy',
  email_taken: 'email',
  weak_password: 'password',
  two_factor_required: 'totpCode',
  invalid_totp: 'totpCode',
  invalid_two_factor_code: 'totpCode',
  invalid_phone_number: 'to',
  recipient_opted_out: 'to',
  empty_message: 'text',
  message_too_long: 'text',
  invalid_sender: 'from',
  webhook_url_refused: 'url',
};

/** Plainer words for answers written for API users. */
const FRIENDLY: Record<string, string> = {
  policy_not_accepted: 'Please accept the privacy policy to create an account.',
  two_factor_required: 'Enter the 6-digit code from your authenticator app.',
};

/**
 * A field error's message without the field name the API puts in front ("email: enter an e-mail…"),
 * for display next to the field itself, which already carries its label.
 */
function withoutFieldName(message: string, field: string): string {
  const prefix = /^([\w.[\]]+): (.*)$/s.exec(message);
  if (
    !prefix ||
    !(prefix[1] === field || prefix[1]!.startsWith(`${field}.`) || prefix[1]!.startsWith(`${field}[`))
  ) {
    return message;
  }
  const rest = prefix[2]!;
  return rest.charAt(0).toUpperCase() + rest.slice(1);
}

/**
 * Splits a problem into messages per form field (from `errors[].path`, e.g. `/body/email`) and a general one.
 * `codeFields` names the field for codes whose field differs on this form (e.g. the phone field of a contact).
 * `shown` lists the fields the form displays errors next to: errors of any other field (and of the body
 * as a whole) are listed in `general`, so that none is hidden.
 */
export function problemFields(
  error: unknown,
  codeFields: Record<string, string> = {},
  shown?: readonly string[],
): { fields: Record<string, string>; general: string | null } {
  if (!error) return { fields: {}, general: null };
  if (!(error instanceof ApiError)) return { fields: {}, general: String((error as Error).message ?? error) };
  const fields: Record<string, string> = {};
  const elsewhere: string[] = [];
  for (const e of error.errors) {
    const field = e.path.replace(/^\/body\/?/, '').split('/')[0] || '';
    if (!field || (shown && !shown.includes(field))) elsewhere.push(e.message);
    else if (!fields[field]) fields[field] = withoutFieldName(e.message, field);
  }
  const codeField = codeFields[error.code] ?? CODE_FIELDS[error.code];
  if (error.errors.length === 0 && codeField) fields[codeField] = FRIENDLY[error.code] ?? error.message;
  const general =
    elsewhere.length > 0 ? elsewhere.join(' ') : Object.keys(fields).length === 0 ? error.message : null;
  return { fields, general };
}

export interface Balance {
  credits: number;
  reserved: number;
  available: number;
  /** Free sign-up credits waiting for the owner's confirmed e-mail. */
  locked?: number;
}

export interface Me {
  user: {
    id: string;
    email: string;
    name: string;
    role: string;
    emailVerified: boolean;
    twoFactorEnabled?: boolean;
  };
  account: {
    id: string;
    name: string;
    status: string;
    closedAt?: string | null;
    /** The AccountSid of the Twilio-compatible API (`AC` + 32 hex). */
    twilioAccountSid?: string;
  };
  role: string;
  permissions: string[];
  balance: Balance;
  csrfToken: string;
  /** True after the operator published a policy version this user has not accepted yet. */
  policyAcceptanceRequired?: boolean;
  policyVersion?: string;
}

export interface MessageEvent {
  at: string;
  status: string;
  detail: string | null;
}

export interface Message {
  id: string;
  to: string;
  from: string;
  text: string;
  type: string;
  status: string;
  encoding: string;
  segments: number;
  price: number;
  country: string | null;
  route: string | null;
  routeName?: string;
  /** A simulated carrier took it: it reached no real phone. */
  simulated?: boolean;
  createdAt: string;
  sendAt?: string;
  sentAt?: string;
  deliveredAt?: string;
  error?: { code: string; detail: string; carrierCode?: string };
  /** Why a `held` message waits for the operator's review. */
  hold?: { code: string; detail: string };
  events?: MessageEvent[];
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export interface Preview {
  /** The sender the messages would go out from. */
  from?: string;
  encoding: string;
  segments: number;
  characters: number;
  nonGsmCharacters: string[];
  unitPrice: number;
  total: number;
  currency: string;
  recipients: Array<{ to: string; country: string | null; price: number }>;
  /** Recipients that cannot be sent to: `path` is `/body/to/<index>`, `detail` says why. */
  errors?: RecipientProblem[];
}

export interface RecipientProblem {
  path: string;
  to: string;
  code: string;
  detail: string;
}

/** The statuses a message does not leave (checked against the server's list of statuses). */
export const FINAL_STATUSES: ReadonlySet<string> = new Set([
  'delivered',
  'undelivered',
  'expired',
  'failed',
  'rejected',
  'cancelled',
] satisfies MessageStatus[]);
/** Every message status, in lifecycle order: the server's list (see generated.ts). */
export const STATUSES: readonly string[] = MESSAGE_STATUSES;

export function formatCredits(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2).replace(/0$/, '');
}

/** The credit ledger's entry kinds, as a client or an operator reads them. */
const LEDGER_KINDS: Record<string, string> = {
  grant: 'Free credits',
  topup: 'Top-up',
  adjustment: 'Adjustment',
  reserve: 'Held for sending',
  release: 'Hold released',
  charge: 'Charged',
  refund: 'Refund',
};
export function ledgerKind(kind: string): string {
  return LEDGER_KINDS[kind] ?? kind;
}

export function formatTime(iso: string | undefined): string {
  if (!iso) return '';
  return new Date(iso).toLocaleString();
}

export function formatNumber(n: number, digits = 2): string {
  return n.toLocaleString(undefined, { maximumFractionDigits: digits });
}

/** Builds a query string from the set values only. */
export function query(params: Record<string, string | number | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export interface Consent {
  id: string;
  purpose: 'marketing' | 'transactional';
  granted: boolean;
  source: string;
  evidence: string | null;
  recordedAt: string;
}

export interface Contact {
  id: string;
  phone: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  country: string | null;
  address: string | null;
  fields: Record<string, string | number | boolean | null>;
  tags: string[];
  groupIds: string[];
  createdAt: string;
  updatedAt: string;
  consents?: Consent[];
}

export interface ContactField {
  key: string;
  label: string;
  type: 'text' | 'number' | 'date' | 'boolean';
}

export interface Group {
  id: string;
  name: string;
  description: string | null;
  memberCount: number;
  createdAt: string;
}

export interface Suppression {
  phone: string;
  scope: 'marketing' | 'all';
  reason: string | null;
  source: string;
  createdAt: string;
}

export interface InboundSms {
  id: string;
  from: string;
  to: string;
  text: string;
  receivedAt: string;
  route: string;
}

export interface TeamMember {
  id: string;
  email: string;
  name: string;
  role: string;
  emailVerified: boolean;
  twoFactorEnabled: boolean;
  createdAt: string;
}

/** A team member's roles: the server's list (see generated.ts). */
export const ROLES: readonly string[] = USER_ROLES;

export interface AuditEntry {
  id: string;
  accountId?: string | null;
  actorType: string;
  actorId: string | null;
  /** Who acted, by name (users, keys, staff); null for the system or someone since removed. */
  actorName?: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  targetName?: string | null;
  ip: string | null;
  data?: unknown;
  at: string;
}
