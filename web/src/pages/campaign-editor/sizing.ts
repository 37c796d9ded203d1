import { type Count, countSms } from '../../sms';

/** Short links and attachment links are the public address, `/l/` or `/a/`, and an 8-character code. */
const CODE = 'x'.repeat(8);

/**
 * The text as long as a recipient gets it, placeholders as written: tracked URLs become short links and
 * the attachment's link goes on a line of its own after the text, as the server does (the preview
 * renders each recipient exactly, footer included).
 */
function sizedText(text: string, options: { trackLinks: boolean; attachment: boolean }): string {
  const origin = window.location.origin;
  let out = options.trackLinks
    ? text.replace(/(?:https?:\/\/|www\.)[^\s]+[^\s.,;:!?)'"]/giu, `${origin}/l/${CODE}`)
    : text;
  if (options.attachment) out += `\n${origin}/a/${CODE}`;
  return out;
}

/** The counter of one text, sized as `sizedText` says, with the account's smart encoding. */
export function countText(
  text: string,
  options: { trackLinks: boolean; attachment: boolean; smartEncoding: boolean },
): Count {
  return countSms(sizedText(text, options), { smartEncoding: options.smartEncoding });
}
