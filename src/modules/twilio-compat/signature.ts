import { createHmac } from 'node:crypto';

/**
 * `X-Twilio-Signature`: base64 HMAC-SHA1, keyed by the auth token, over the full URL followed by every
 * POST parameter name and value, names in sorted order (Twilio's "Webhooks security" page; the SDK's
 * `validateRequest` computes the same).
 */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  let data = url;
  for (const name of Object.keys(params).sort()) data += name + params[name];
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}
