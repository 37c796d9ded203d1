import type { RouteTypeDefinition } from '../../modules/dispatch';
import { parseTwilioInbound, parseTwilioReceipt, verifyTwilioCallback } from './callbacks';
import { type TwilioConfig, twilioConfigSchema } from './config';
import { createTwilioRoute } from './twilio-route';

/** Twilio Programmable Messaging as a route type (docs/design/http-carriers.md §1). */
export const twilioRouteType: RouteTypeDefinition<TwilioConfig> = {
  type: 'twilio',
  label: 'Twilio',
  description:
    'Twilio Programmable Messaging (Messages API): delivery reports and replies by signed callbacks.',
  configSchema: twilioConfigSchema,
  secretKeys: ['authToken'],
  create: createTwilioRoute,
  verifyCallback: verifyTwilioCallback,
  parseReceipt: parseTwilioReceipt,
  parseInbound: parseTwilioInbound,
  // Status callbacks only need a 2xx; an inbound message is answered with TwiML, and an empty
  // <Response> is how Twilio documents "no reply".
  callbackAnswer: {
    status: 200,
    contentType: 'text/xml',
    body: '<?xml version="1.0" encoding="UTF-8"?><Response></Response>',
  },
};
