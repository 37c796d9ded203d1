import type { Db } from '../../storage/database';
import type { ClientActor } from '../accounts';
import { parseMessagingSettings, senderFor } from '../accounts';
import { microToCredits, type PriceBook } from '../billing';
import { compose, type SendItem } from './compose';

/** What a send would cost and how it would be encoded, without sending anything. */
export function createPreview(deps: {
  db: Db;
  priceBook: PriceBook;
  clock: { now(): number };
  /** The operator's shared sender (`DEFAULT_SENDER`), for accounts without one of their own. */
  sharedSender?: string | null;
}) {
  return async function preview(actor: ClientActor, items: SendItem[]) {
    const account = await deps.db
      .selectFrom('accounts')
      .select(['settings'])
      .where('id', '=', actor.accountId)
      .executeTakeFirstOrThrow();
    const settings = parseMessagingSettings(account.settings);
    const prices = await deps.priceBook.listFor(deps.db, actor.accountId);
    const { drafts, recipientErrors } = compose(items, {
      settings,
      prices,
      now: deps.clock.now(),
      sharedSender: deps.sharedSender,
    });
    const first = drafts[0];
    const analysis = first?.analysis;
    const unitPrices = new Set(drafts.map((d) => d.unitPrice));
    return {
      encoding: analysis?.encoding ?? 'GSM-7',
      segments: analysis?.segments ?? 0,
      characters: analysis?.characters ?? 0,
      nonGsmCharacters: analysis?.nonGsmCharacters ?? [],
      text: analysis?.text ?? '',
      // The sender the messages would go out from: the request's, the account's, or the shared one.
      from: first?.sender ?? items[0]?.from ?? senderFor(settings, deps.sharedSender),
      unitPrice: unitPrices.size === 1 ? microToCredits(first!.unitPrice) : null,
      total: microToCredits(drafts.reduce((sum, d) => sum + d.price, 0)),
      currency: 'credits' as const,
      recipients: drafts.map((d) => ({
        to: d.to,
        country: d.country,
        segments: d.analysis.segments,
        price: microToCredits(d.price),
      })),
      ...(recipientErrors.length > 0 ? { errors: recipientErrors } : {}),
    };
  };
}
