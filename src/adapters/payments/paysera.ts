import { createHash, createVerify, timingSafeEqual } from 'node:crypto';
import { AppError } from '../../kernel/errors';

/**
 * Paysera Checkout's signed messages (docs/payments.md names the specification): `data` is the
 * parameters as a query string in URL-safe base64, a request carries `sign` = md5(data + project
 * password), a callback carries `ss1` = the same md5 and `ss2` = an RSA-SHA1 signature of `data` by
 * Paysera's key.
 */
export interface PayseraSettings {
  projectId: string;
  password: string;
  payUrl: string;
  /** Paysera's public key (PEM): when set, `ss2` is checked as well as `ss1`. */
  publicKeyPem?: string | undefined;
}

const toUrlSafe = (b64: string) => b64.replace(/\+/g, '-').replace(/\//g, '_');
const fromUrlSafe = (s: string) => s.replace(/-/g, '+').replace(/_/g, '/');
const md5 = (s: string) => createHash('md5').update(s).digest('hex');

export function encodePayseraData(params: Record<string, string>): string {
  return toUrlSafe(Buffer.from(new URLSearchParams(params).toString()).toString('base64'));
}

export function decodePayseraData(data: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(Buffer.from(fromUrlSafe(data), 'base64').toString('utf8')));
}

export function signPayseraData(data: string, password: string): string {
  return md5(data + password);
}

/** The address that sends the payer to Paysera's payment page for one order. */
export function payseraCheckoutUrl(
  settings: PayseraSettings,
  order: {
    orderId: string;
    amountMinor: number;
    currency: string;
    acceptUrl: string;
    cancelUrl: string;
    callbackUrl: string;
    test: boolean;
  },
): string {
  const data = encodePayseraData({
    projectid: settings.projectId,
    orderid: order.orderId,
    accepturl: order.acceptUrl,
    cancelurl: order.cancelUrl,
    callbackurl: order.callbackUrl,
    version: '1.6',
    amount: String(order.amountMinor),
    currency: order.currency,
    test: order.test ? '1' : '0',
  });
  const url = new URL(settings.payUrl);
  url.searchParams.set('data', data);
  url.searchParams.set('sign', signPayseraData(data, settings.password));
  return url.toString();
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a.toLowerCase());
  const y = Buffer.from(b.toLowerCase());
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Checks a callback's signatures and answers its parameters; a bad signature is `invalid_signature`. */
export function verifyPayseraCallback(
  settings: PayseraSettings,
  query: { data?: string | undefined; ss1?: string | undefined; ss2?: string | undefined },
): Record<string, string> {
  const { data, ss1, ss2 } = query;
  if (!data || !ss1 || !sameHex(ss1, signPayseraData(data, settings.password))) {
    throw new AppError('invalid_signature', 'The Paysera callback is not signed with the project password.');
  }
  if (settings.publicKeyPem) {
    const ok =
      !!ss2 &&
      createVerify('RSA-SHA1')
        .update(data)
        .verify(settings.publicKeyPem, Buffer.from(fromUrlSafe(ss2), 'base64'));
    if (!ok)
      throw new AppError('invalid_signature', "The Paysera callback's ss2 does not match Paysera's key.");
  }
  return decodePayseraData(data);
}
