// Every error → problem+json mapping (status, code, stable details) in one place, as DESIGN.md asks.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, ERROR_CODES, type ErrorCode, type FieldError } from '../kernel/errors';
import { storageFault } from '../storage/faults';

/** The only place that turns error codes into HTTP statuses. */
export const STATUS_OF: Record<ErrorCode, number> = {
  validation_failed: 400,
  malformed_json: 400,
  unsupported_media_type: 415,
  payload_too_large: 413,
  unauthorized: 401,
  invalid_credentials: 401,
  two_factor_required: 401,
  invalid_two_factor_code: 401,
  csrf_failed: 403,
  forbidden: 403,
  not_found: 404,
  route_not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  email_taken: 409,
  weak_password: 422,
  policy_not_accepted: 422,
  invalid_token: 400,
  invalid_signature: 401,
  account_suspended: 403,
  last_owner: 409,
  amount_below_minimum: 422,
  currency_not_enabled: 422,
  insufficient_credits: 402,
  invalid_phone_number: 422,
  invalid_sender_id: 422,
  sender_not_allowed: 422,
  content_blocked: 422,
  invalid_country: 422,
  recipient_opted_out: 422,
  message_too_long: 422,
  empty_message: 422,
  invalid_schedule: 422,
  too_many_recipients: 422,
  idempotency_key_reused: 422,
  idempotency_in_progress: 409,
  webhook_url_refused: 422,
  objection_window_closed: 422,
  already_objected: 409,
  policy_version_mismatch: 409,
  policy_acceptance_required: 403,
  rate_limited: 429,
  unsupported_file_type: 415,
  link_expired: 410,
  unsupported_import_file: 415,
  invalid_file_encoding: 422,
  archive_too_large: 422,
  account_closed: 403,
  deletion_not_confirmed: 422,
  recipient_restricted: 422,
  retention_above_promise: 422,
  template_invalid: 422,
  audience_empty: 422,
  invalid_timezone: 422,
  campaign_state: 409,
  opt_out_missing: 422,
  email_unverified: 403,
  internal_error: 500,
  two_factor_enrolment_required: 403,
  tracked_links_disabled: 403,
  database_unavailable: 503,
  storage_full: 503,
  message_not_cancellable: 409,
  simulator_not_in_use: 409,
  keyword_invalid: 422,
  keyword_loop: 422,
};

/** Seconds a client should wait before retrying, for the codes that say "try again later". */
const RETRY_AFTER_SECONDS: Partial<Record<ErrorCode, number>> = {
  database_unavailable: 5,
  storage_full: 60,
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail: string;
  requestId: string;
  errors?: FieldError[];
  [extra: string]: unknown;
}

export function problemOf(
  code: ErrorCode,
  detail: string,
  requestId: string,
  errors?: FieldError[],
  extra?: Record<string, unknown>,
): Problem {
  return {
    type: `https://smsgate.dev/errors/${code}`,
    title: ERROR_CODES[code],
    status: STATUS_OF[code],
    code,
    detail,
    requestId,
    ...(errors && errors.length > 0 ? { errors } : {}),
    ...extra,
  };
}

export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  if (problem.code === 'rate_limited' && typeof problem.retryAfterSeconds === 'number') {
    reply.header('retry-after', String(problem.retryAfterSeconds));
  }
  const retryAfter = RETRY_AFTER_SECONDS[problem.code];
  if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
  return reply.status(problem.status).type('application/problem+json').send(problem);
}

/** Errors of busboy (under @fastify/multipart) about the body itself; they carry no code, only these texts. */
const MULTIPART_BODY_ERRORS = [
  'Boundary not found',
  'Boundary required',
  'Unexpected end of multipart data',
  'terminated early',
  'Malformed part header',
  'needle cannot',
];

/**
 * A multipart parser failure (@fastify/multipart's codes, busboy's messages) as the client's error:
 * the size limit is 413, a body that is not multipart 415, everything else about the form 400. Null
 * for any other error (a failing disk stays a 500).
 */
export function multipartProblem(error: unknown): AppError | null {
  if (error instanceof AppError || !(error instanceof Error)) return null;
  switch ((error as FastifyError).code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return new AppError('payload_too_large', 'The file is larger than the limit.');
    case 'FST_PARTS_LIMIT':
      return new AppError('validation_failed', 'The form has too many parts.');
    case 'FST_FILES_LIMIT':
      return new AppError('validation_failed', 'Send exactly one file, in the part named "file".');
    case 'FST_FIELDS_LIMIT':
      return new AppError('validation_failed', 'The form has more fields than this request takes.');
    case 'FST_PROTO_VIOLATION':
      return new AppError('validation_failed', 'The form has a part with a forbidden name.');
    case 'FST_INVALID_JSON_FIELD_ERROR':
      return new AppError('validation_failed', 'A form field declared as JSON is not valid JSON.');
    case 'FST_MP_PREMATURE_CLOSE':
      return new AppError('validation_failed', 'The form ended before it was complete.');
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return new AppError('unsupported_media_type', 'Send the body as multipart/form-data.');
    default:
      break;
  }
  if (MULTIPART_BODY_ERRORS.some((text) => error.message.includes(text))) {
    return new AppError(
      'validation_failed',
      'The multipart body is malformed (boundary missing or wrong, part headers broken, or cut short).',
    );
  }
  return null;
}

/** Maps anything thrown by a route, a hook or Fastify itself to problem+json; unknown errors are 500. */
export function errorHandler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  const id = request.id;
  if (error instanceof AppError) {
    return sendProblem(reply, problemOf(error.code, error.message, id, error.errors, error.extra));
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = (error as { validationContext?: string }).validationContext ?? 'body';
    const issues = error.validation.map((v) => ({
      ...v.params,
      code: v.keyword,
      path: v.instancePath
        .split('/')
        .slice(1)
        .filter((part) => part !== '')
        .map((part) => (/^\d+$/.test(part) ? Number(part) : part)),
      message: v.message ?? '',
    }));
    const errors = validationErrors(issues, where, inputOf(request, where));
    return sendProblem(reply, problemOf('validation_failed', validationSummary(errors), id, errors));
  }
  const multipart = multipartProblem(error);
  if (multipart) return sendProblem(reply, problemOf(multipart.code, multipart.message, id));
  const fe = error as FastifyError;
  switch (fe.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return sendProblem(reply, problemOf('malformed_json', 'The body is not valid JSON.', id));
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
      return sendProblem(reply, problemOf('payload_too_large', 'The body is larger than the limit.', id));
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return sendProblem(
        reply,
        problemOf('unsupported_media_type', 'Send the body as application/json.', id),
      );
    default:
      break;
  }
  if (fe.statusCode === 429) {
    return sendProblem(reply, problemOf('rate_limited', 'Too many requests.', id));
  }
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    // Any other client error Fastify raises (bad headers, bad URL encoding…): a 400 with its message.
    return sendProblem(reply, problemOf('validation_failed', fe.message, id));
  }
  // The database being away or out of space is no bug: the client is told to come back later.
  const fault = storageFault(error);
  if (fault === 'unavailable') {
    request.log.warn({ err: error }, 'database unavailable');
    return sendProblem(
      reply,
      problemOf('database_unavailable', 'The database cannot be reached right now; nothing was done.', id),
    );
  }
  if (fault === 'full') {
    // The operator is alerted by the storage's health tracker (at most once a minute), not per request.
    request.log.warn({ err: error }, 'storage full');
    return sendProblem(
      reply,
      problemOf('storage_full', 'The server has no disk space left; nothing was stored.', id),
    );
  }
  request.log.error({ err: error }, 'unhandled error');
  return sendProblem(reply, problemOf('internal_error', 'Something went wrong on our side.', id));
}

/** One schema issue as zod reports it (`code`, `path`, its own message, and the fields of its kind). */
export interface SchemaIssue {
  code: string;
  path: readonly PropertyKey[];
  message: string;
}

/** What was validated, to tell a missing field (required) from one of the wrong type. */
function inputOf(request: FastifyRequest, where: string): unknown {
  if (where === 'querystring') return request.query;
  if (where === 'params') return request.params;
  if (where === 'headers') return request.headers;
  return request.body;
}

const PART_NAMES: Record<string, string> = {
  body: 'body',
  querystring: 'query string',
  params: 'path',
  headers: 'headers',
};

/** zod's own English messages; anything else was written by the schema's author and is kept. */
const ZOD_DEFAULT =
  /^(Invalid input|Invalid option|Too (big|small): expected|Invalid (string|number): must|Unrecognized keys?:|Invalid key in|Invalid value in|Invalid discriminator|Invalid [A-Za-z0-9 -]+$)/;

const TYPE_NOUNS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  bigint: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  date: 'a date',
  null: 'null',
  undefined: 'nothing',
};

function typeNoun(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'number' && Number.isNaN(value)) return 'not a number';
  return TYPE_NOUNS[typeof value] ?? typeof value;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** `recipients[2].to`: the field as a JSON path a developer and a user both recognise. */
function fieldLabel(path: readonly PropertyKey[]): string {
  let label = '';
  for (const key of path) {
    if (typeof key === 'number') label += `[${key}]`;
    else label += label === '' ? String(key) : `.${String(key)}`;
  }
  return label;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
const quoted = (keys: readonly unknown[]) => keys.map((k) => `"${String(k)}"`).join(', ');
const sentence = (text: string) => (/[.!?]$/.test(text) ? text : `${text}.`);

/** What is wrong, without the field's name: a sentence fragment ending in a full stop. */
function describe(issue: SchemaIssue, value: unknown, where: string, atRoot: boolean): string {
  const p = issue as unknown as Record<string, unknown>;
  if (issue.code !== 'unrecognized_keys' && issue.message && !ZOD_DEFAULT.test(issue.message)) {
    return sentence(issue.message);
  }
  const count = (n: unknown) => Number(n);
  switch (issue.code) {
    case 'invalid_type': {
      if (value === undefined && !atRoot) {
        return p.expected === 'boolean' ? 'required — send true or false.' : 'required — enter a value.';
      }
      const expected =
        atRoot && p.expected === 'object' && where === 'body'
          ? 'a JSON object'
          : (TYPE_NOUNS[String(p.expected)] ?? String(p.expected));
      if (p.expected === 'int' && typeof value === 'number' && Number.isFinite(value)) {
        return 'must be a whole number.';
      }
      return `must be ${expected}, not ${typeNoun(value)}.`;
    }
    case 'too_small': {
      const min = count(p.minimum);
      const inclusive = p.inclusive !== false;
      if (p.origin === 'string') {
        return min <= 1 && inclusive
          ? 'must not be empty.'
          : `must be at least ${plural(inclusive ? min : min + 1, 'character', 'characters')} long.`;
      }
      if (p.origin === 'array' || p.origin === 'set') {
        return `must list at least ${plural(inclusive ? min : min + 1, 'item', 'items')}.`;
      }
      return inclusive ? `must be at least ${String(p.minimum)}.` : `must be more than ${String(p.minimum)}.`;
    }
    case 'too_big': {
      const max = count(p.maximum);
      const inclusive = p.inclusive !== false;
      if (p.origin === 'string') {
        return `must be at most ${plural(inclusive ? max : max - 1, 'character', 'characters')} long.`;
      }
      if (p.origin === 'array' || p.origin === 'set') {
        return `must list at most ${plural(inclusive ? max : max - 1, 'item', 'items')}.`;
      }
      if (p.origin === 'file') return `must be at most ${String(p.maximum)} bytes.`;
      return inclusive ? `must be at most ${String(p.maximum)}.` : `must be less than ${String(p.maximum)}.`;
    }
    case 'invalid_format':
      switch (p.format) {
        case 'email':
          return 'enter an e-mail address like name@example.com.';
        case 'url':
          return 'enter a full web address like https://example.com/path.';
        case 'datetime':
          return 'enter a date and time like 2030-01-31T09:00:00Z.';
        case 'date':
          return 'enter a date like 2030-01-31.';
        case 'time':
          return 'enter a time like 09:30.';
        case 'starts_with':
          return `must start with "${String(p.prefix)}".`;
        case 'ends_with':
          return `must end with "${String(p.suffix)}".`;
        case 'includes':
          return `must contain "${String(p.includes)}".`;
        case 'regex':
          return 'is not in the expected format.';
        default:
          return `must be a valid ${String(p.format)}.`;
      }
    case 'invalid_value': {
      const values = Array.isArray(p.values) ? p.values : [];
      return values.length === 1
        ? `must be ${JSON.stringify(values[0])}.`
        : `must be one of ${values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ')}.`;
    }
    case 'unrecognized_keys': {
      const keys = Array.isArray(p.keys) ? p.keys : [];
      return keys.length === 1
        ? `unknown field ${quoted(keys)}: remove it.`
        : `unknown fields ${quoted(keys)}: remove them.`;
    }
    case 'not_multiple_of':
      return `must be a multiple of ${String(p.divisor)}.`;
    case 'invalid_union':
      return 'is not one of the accepted forms.';
    case 'invalid_key':
      return 'has a key that is not allowed.';
    case 'invalid_element':
      return 'has an entry that is not allowed.';
    default:
      return issue.message ? sentence(issue.message) : 'is not valid.';
  }
}

/**
 * Schema issues as field errors a person can read: each message names its field and says what to do
 * ("email: enter an e-mail address like name@example.com."). `path` stays the JSON pointer of the field
 * (`/body/email`), which clients match on. `input` is what was validated: a field absent from it is
 * "required" rather than of the wrong type.
 */
export function validationErrors(
  issues: readonly SchemaIssue[],
  where: string,
  input: unknown,
): FieldError[] {
  return issues.map((issue) => {
    const label = fieldLabel(issue.path);
    // The whole part is `/body/` (as the JSON pointer of its root has always been written here).
    const pointer = issue.path.length === 0 ? '/' : issue.path.map((key) => `/${String(key)}`).join('');
    const text = describe(issue, valueAt(input, issue.path), where, label === '');
    let message: string;
    if (label !== '') message = `${label}: ${text}`;
    else if (issue.code === 'invalid_type') message = `The ${PART_NAMES[where] ?? where} ${text}`;
    else message = text.charAt(0).toUpperCase() + text.slice(1);
    return { path: `/${where}${pointer}`, message };
  });
}

/** The problem's `detail`: every field error at once, so a client can show them all in one go. */
export function validationSummary(errors: readonly FieldError[]): string {
  if (errors.length === 0) return 'The request does not match the schema.';
  if (errors.length === 1) return errors[0]!.message;
  const fields = new Set(errors.map((e) => e.path)).size;
  return `Please correct ${plural(fields, 'field', 'fields')}: ${errors.map((e) => e.message).join(' ')}`;
}
