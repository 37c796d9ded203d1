/**
 * The Twilio-compatible Messages API's own parts: SIDs for our ids, Twilio's shapes, statuses and error
 * codes, per-message status callbacks, and inbound messages posted to a number's SMS URL with TwiML
 * replies. The HTTP routes (src/http/routes/twilio-*.ts) send, read and cancel through the messaging
 * module like every other front door.
 */
export { createTwilioCallbacks, type TwilioCallbacks } from './callbacks';
export { MAX_TWIML_MESSAGES, twimlMessages } from './incoming';
export {
  API_VERSION,
  messagesUri,
  rfc2822,
  TWILIO_STATUS,
  twilioErrorOf,
  twilioMessage,
} from './shapes';
export {
  accountIdOfSid,
  accountSid,
  keySid,
  messageIdOfSid,
  messageSid,
  numberIdOfSid,
  numberSid,
} from './sids';
export { twilioSignature } from './signature';
