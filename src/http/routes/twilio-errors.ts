/**
 * Errors of the Twilio-compatible API in Twilio's JSON shape (`code`, `message`, `more_info`, `status`),
 * which the official SDKs read into their RestException. Our error codes map onto the Twilio codes people
 * check for; docs/twilio-compatibility.md has the table.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, type ErrorCode } from '../../kernel/errors';

/** An error answered in Twilio's shape: its own HTTP status and Twilio error code. */
export class TwilioError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** Our error code → HTTP status and Twilio code; anything absent is a 400 with Twilio's generic 20001. */
export const TWILIO_ERROR_OF: Partial<Record<ErrorCode, { status: number; code: number }>> = {
  unauthorized: { status: 401, code: 20003 },
  invalid_credentials: { status: 401, code: 20003 },
  forbidden: { status: 403, code: 20003 },
  account_suspended: { status: 403, code: 20005 },
  account_closed: { status: 403, code: 20005 },
  not_found: { status: 404, code: 20404 },
  route_not_found: { status: 404, code: 20404 },
  invalid_phone_number: { status: 400, code: 21211 },
  invalid_country: { status: 400, code: 21211 },
  invalid_sender_id: { status: 400, code: 21606 },
  recipient_opted_out: { status: 400, code: 21610 },
  recipient_restricted: { status: 400, code: 21610 },
  message_too_long: { status: 400, code: 21617 },
  empty_message: { status: 400, code: 21602 },
  invalid_schedule: { status: 400, code: 35114 },
  insufficient_credits: { status: 400, code: 20005 },
  webhook_url_refused: { status: 400, code: 21609 },
  message_not_cancellable: { status: 400, code: 30409 },
  conflict: { status: 409, code: 20009 },
  rate_limited: { status: 429, code: 20429 },
  payload_too_large: { status: 413, code: 20001 },
  database_unavailable: { status: 503, code: 20503 },
  storage_full: { status: 503, code: 20503 },
  internal_error: { status: 500, code: 20500 },
};

export function sendTwilioError(reply: FastifyReply, status: number, code: number, message: string) {
  if (status === 401) reply.header('www-authenticate', 'Basic realm="Twilio API"');
  return reply
    .status(status)
    .type('application/json')
    .send({
      code,
      message,
      more_info: `https://www.twilio.com/docs/errors/${code}`,
      status,
    });
}

/** The error handler of the compatible routes (hooks included: auth and rate-limit errors come here too). */
export function twilioErrorHandler(
  error: FastifyError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  if (error instanceof TwilioError) return sendTwilioError(reply, error.status, error.code, error.message);
  if (error instanceof AppError) {
    const mapped = TWILIO_ERROR_OF[error.code] ?? { status: 400, code: 20001 };
    if (error.code === 'unauthorized') return sendTwilioError(reply, 401, 20003, 'Authenticate');
    return sendTwilioError(reply, mapped.status, mapped.code, error.message);
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const first = error.validation[0];
    const where =
      first?.instancePath.replace(/^\//, '') || (error as { validationContext?: string }).validationContext;
    return sendTwilioError(
      reply,
      400,
      20001,
      `Invalid parameter ${where ?? ''}: ${first?.message ?? 'invalid'}`.trim(),
    );
  }
  const fe = error as FastifyError;
  if (fe.statusCode === 429) return sendTwilioError(reply, 429, 20429, 'Too Many Requests');
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return sendTwilioError(reply, 413, 20001, 'The body is larger than the limit.');
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500)
    return sendTwilioError(reply, fe.statusCode, 20001, fe.message);
  request.log.error({ err: error }, 'twilio-compatible request failed');
  return sendTwilioError(reply, 500, 20500, 'Internal Server Error');
}
