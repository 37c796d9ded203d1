/**
 * The Twilio-compatible Messages API's own parts: SIDs for our ids, Twilio's shapes, statuses and error
 * codes, per-message status callbacks, inbound messages posted to a number's SMS URL with TwiML
 * replies, and Messaging Services (sender pools, sticky per recipient). The HTTP routes (src/http/routes/twilio-*.ts) send, read and cancel through the messaging
 * module like every other front door.
 */
export { createTwilioCallbacks, type TwilioCallbacks } from './callbacks';
export { MAX_TWIML_MESSAGES, twimlMessages } from './incoming';
export {
  createTwilioServices,
  MAX_POOL,
  MAX_SERVICES,
  type TwilioService,
  type TwilioServiceSender,
  type TwilioServices,
} from './services';
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
  alphaSenderIdOfSid,
  alphaSenderSid,
  keySid,
  messageIdOfSid,
  messageSid,
  numberIdOfSid,
  numberSid,
  serviceIdOfSid,
  serviceSid,
} from './sids';
export { twilioSignature } from './signature';
