/** The coarse user-agent family a click is counted under (pure). */

export const UA_FAMILIES = [
  'Chrome',
  'Safari',
  'Firefox',
  'Samsung Internet',
  'Edge',
  'Opera',
  'bot',
  'other',
] as const;
export type UaFamily = (typeof UA_FAMILIES)[number];

// Link-preview fetchers (messengers unfurling the SMS link), crawlers and HTTP libraries.
const BOT =
  /bot\b|bot\/|crawler|spider|preview|facebookexternalhit|whatsapp|telegram|slack|discord|skypeuripreview|embedly|vkshare|pinterest|quora link|bitlybot|curl\/|wget\/|python-|go-http-client|java\/|axios\/|node-fetch|headless|lighthouse|phantomjs|httpclient|okhttp\/[0-2]\./i;

/**
 * A coarse family of a User-Agent header: enough for statistics, too coarse to identify anyone (the full
 * header is never stored). Link-preview fetchers and scripts are `bot`.
 */
export function userAgentFamily(userAgent: string | null | undefined): UaFamily {
  const ua = userAgent ?? '';
  if (ua.trim() === '') return 'other';
  if (BOT.test(ua)) return 'bot';
  if (/SamsungBrowser\//.test(ua)) return 'Samsung Internet';
  if (/\b(Edg|EdgA|EdgiOS|Edge)\//.test(ua)) return 'Edge';
  if (/\b(OPR|Opera|OPiOS|OPT)\//.test(ua)) return 'Opera';
  if (/\b(Firefox|FxiOS)\//.test(ua)) return 'Firefox';
  if (/\b(CriOS|Chrome|Chromium)\//.test(ua)) return 'Chrome';
  if (/\bSafari\//.test(ua) || /\b(iPhone|iPad|iPod)\b.*AppleWebKit/.test(ua)) return 'Safari';
  return 'other';
}
