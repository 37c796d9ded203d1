import { readFileSync } from 'node:fs';
import type { Config } from '../../config';
import type { CheckoutStarter } from '../../modules/payments';
import { type PayseraSettings, payseraCheckoutUrl } from './paysera';

/** Paysera's settings from the configuration; undefined (no Paysera) without a project id and password. */
export function payseraFromConfig(
  config: Pick<
    Config,
    | 'PAYSERA_PROJECT_ID'
    | 'PAYSERA_PASSWORD'
    | 'PAYSERA_PAY_URL'
    | 'PAYSERA_PUBLIC_KEY_FILE'
    | 'PAYSERA_TEST_MODE'
  >,
): { settings: PayseraSettings; testMode: boolean } | undefined {
  if (!config.PAYSERA_PROJECT_ID || !config.PAYSERA_PASSWORD) return undefined;
  return {
    settings: {
      projectId: config.PAYSERA_PROJECT_ID,
      password: config.PAYSERA_PASSWORD,
      payUrl: config.PAYSERA_PAY_URL,
      publicKeyPem: config.PAYSERA_PUBLIC_KEY_FILE
        ? readFileSync(config.PAYSERA_PUBLIC_KEY_FILE, 'utf8')
        : undefined,
    },
    testMode: config.PAYSERA_TEST_MODE,
  };
}

/** Starts a Paysera checkout: our payment id is Paysera's order id; the payer comes back to Billing. */
export function payseraCheckout(
  paysera: { settings: PayseraSettings; testMode: boolean },
  publicUrl: string,
): CheckoutStarter {
  const base = publicUrl.replace(/\/$/, '');
  return {
    async startCheckout(payment) {
      return {
        checkoutUrl: payseraCheckoutUrl(paysera.settings, {
          orderId: payment.id,
          amountMinor: payment.amountMinor,
          currency: payment.currency,
          acceptUrl: `${base}/app/billing?payment=${payment.id}`,
          cancelUrl: `${base}/app/billing?payment=${payment.id}&cancelled=1`,
          callbackUrl: `${base}/hooks/payments/paysera`,
          test: paysera.testMode,
        }),
      };
    },
  };
}
