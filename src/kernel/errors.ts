/**
 * The closed set of error codes. Each is part of the public contract (docs/errors.md, kept in sync by a
 * test): clients branch on `code`, never on the wording of `detail`.
 */
export const ERROR_CODES = {
  validation_failed:
    'The request body, query or parameters do not match the schema; `errors` lists each path.',
  malformed_json: 'The body is not valid JSON.',
  unsupported_media_type: 'The Content-Type is not one this endpoint accepts.',
  payload_too_large: 'The body is larger than the configured limit.',
  unauthorized: 'No valid session or API key was given, or it has expired or been revoked.',
  invalid_credentials: 'The e-mail and password do not match an active user.',
  two_factor_required: 'The user has 2FA enabled: send the current `totpCode` with the login.',
  invalid_two_factor_code: 'The 2FA code is wrong or expired.',
  csrf_failed: 'A cookie-authenticated request that changes state lacks a valid `x-csrf-token` header.',
  forbidden: "The actor's role does not allow this action.",
  not_found: 'No such resource in this account (foreign ids answer this too).',
  route_not_found: 'No such endpoint.',
  method_not_allowed: 'The endpoint exists but not with this method.',
  conflict: 'The request conflicts with the current state of the resource.',
  email_taken: 'A user with this e-mail already exists.',
  weak_password: 'The password is too short or too common.',
  policy_not_accepted: 'Sign-up needs `acceptPolicy: true`.',
  invalid_token: 'The e-mail verification or password reset token is unknown, used or expired.',
  invalid_signature:
    "A carrier's callback failed the route's check (signature, token or Basic auth); counted in the route's health.",
  account_suspended: 'The account is suspended or closed and cannot do this.',
  last_owner: 'The last owner of an account cannot be removed or demoted.',
  amount_below_minimum: 'The top-up amount is below the minimum the operator set (`extra.minimumMinor`).',
  currency_not_enabled: 'The currency is not one the operator accepts for top-ups (`extra.currencies`).',
  insufficient_credits: 'The balance does not cover the reserved price of the request.',
  invalid_phone_number: 'A recipient is not a valid, assignable phone number.',
  invalid_sender_id:
    'The sender id is not alphanumeric of at most 11 characters or numeric of at most 15 digits.',
  sender_not_allowed:
    "The sender may not be used for this destination: not approved, not the account's own number, a look-alike or a protected name; `detail` names the rule.",
  content_blocked:
    "A campaign's text matches an operator's content rule (`rule` names it): it cannot start; single messages are stored `rejected` or `held` instead.",
  invalid_country:
    'The country is not an ISO 3166-1 alpha-2 code the platform knows (e.g. `LV`); `errors` names the field.',
  recipient_opted_out: 'The recipient is on the suppression list.',
  message_too_long: "The text needs more segments than the account's maximum.",
  empty_message: 'The text is empty.',
  invalid_schedule: '`sendAt` is in the past or too far ahead, or `validUntil` is before it.',
  too_many_recipients: 'More recipients than one request may carry.',
  idempotency_key_reused: 'The Idempotency-Key was used before with another request body.',
  idempotency_in_progress: 'A request with this Idempotency-Key is still being processed.',
  webhook_url_refused:
    'The webhook URL is not https/http, or resolves to a private, loopback or link-local address.',
  objection_window_closed:
    'The objection period for this sub-processor has ended (or never opened for this account).',
  already_objected: 'This account has already objected to this sub-processor.',
  policy_version_mismatch: 'The policy version accepted is not the current one; fetch `GET /v1/policy`.',
  policy_acceptance_required:
    'A new privacy policy version must be accepted (`POST /v1/policy/accept`) before changing anything.',
  rate_limited: 'Too many requests: wait for `Retry-After` seconds.',
  unsupported_file_type:
    'The uploaded file is not a JPEG, PNG, GIF, WEBP image or a PDF (judged by its content, not its name).',
  link_expired: 'The short link, or the file it points to, has expired or was deleted.',
  unsupported_import_file:
    'The uploaded import file is neither CSV (UTF-8 text) nor XLSX, judged by its content; `detail` says what was found.',
  invalid_file_encoding:
    'The uploaded CSV is not valid UTF-8 (e.g. UTF-16 or Latin-1): save it as "CSV UTF-8" and upload again.',
  archive_too_large:
    'The XLSX file would expand to more than the configured limit (IMPORT_MAX_UNCOMPRESSED_BYTES) or compresses implausibly well.',
  account_closed: 'The account is closed: it cannot send until it is restored.',
  deletion_not_confirmed:
    'Closing the account needs `confirmDeletion: true`: contacts are purged 60 days and messages 120 days after closure.',
  recipient_restricted: 'The data subject restricted the processing of their data: they cannot be messaged.',
  retention_above_promise:
    'A retention period longer than the promised maximum needs RETENTION_ALLOW_LONGER=true.',
  template_invalid:
    'The template has an unclosed, malformed or unknown placeholder; `errors` lists each with its character offset.',
  audience_empty:
    'The campaign has no recipient: its groups are empty, or every contact is deleted, suppressed or filtered out.',
  invalid_timezone: 'The time zone is not an IANA name this server knows (e.g. `Europe/Riga`).',
  campaign_state:
    'The campaign is not in a state that allows this (e.g. starting it twice, pausing a finished one, editing one that started).',
  opt_out_missing:
    'A marketing campaign must tell recipients how to opt out: add "STOP to …" or an opt-out link, or set the opt-out footer.',
  email_unverified:
    "Free sign-up credits are spent only once the account owner's e-mail is verified: open the e-mailed link, or ask for a new one with POST /v1/auth/resend-verification. Paid credits are not affected.",
  internal_error: 'An unexpected error; the requestId identifies it in the logs.',
  two_factor_enrolment_required:
    'Staff must enrol in 2FA (`STAFF_REQUIRE_2FA`): until then only `/v1/admin/me`, sign-out and `/v1/admin/auth/2fa/…` answer.',
  tracked_links_disabled:
    'The operator has turned tracked links (`/l/…` short links) off for this account: send the campaign with `trackLinks: false`.',
  database_unavailable:
    'The database cannot be reached right now (restarting, connection lost, or locked): nothing was done; retry after `Retry-After` seconds.',
  storage_full:
    'The server has no disk space left for this write: nothing was stored; reads still work. Retry after `Retry-After` seconds.',
  message_not_cancellable:
    'The message has left for a carrier or is already final: only `scheduled` and `queued` messages can be cancelled.',
  simulator_not_in_use:
    "A simulated reply was asked for, but a real carrier route (not the simulator) carries this account's messages to that number.",
  keyword_invalid:
    "The keyword rule or word list cannot be saved: a word is not one word or is built in (STOP, START, HELP, DATA, DELETE and their synonyms), a group or number is not the account's, or the rule has no action; `errors` names each field.",
  keyword_loop:
    "The keyword rule could answer itself: its reply (or the help text) starts with a word one of the account's numbers answers to; `errors` names the field.",
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface FieldError {
  path: string;
  message: string;
}

/** The one error type of the domain: a stable code, a human detail, optional per-field errors. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly errors: FieldError[] | undefined;
  readonly extra: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    detail?: string,
    options?: { errors?: FieldError[]; extra?: Record<string, unknown> },
  ) {
    super(detail ?? ERROR_CODES[code]);
    this.name = 'AppError';
    this.code = code;
    this.errors = options?.errors;
    this.extra = options?.extra;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
