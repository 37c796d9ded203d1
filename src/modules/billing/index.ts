export { type Balance, createLedger, type Ledger, type LedgerEntry, type SettleEntry } from './ledger';
export { creditsToMicro, MICRO, microToCredits } from './money';
export { createPriceAdmin, type PriceAdmin } from './price-admin';
export { createPriceBook, type PriceBook } from './price-book';
export {
  type CountryPrice,
  countryPrices,
  DEFAULT_PRICES,
  type PriceList,
  priceFor,
  priceListFromCredits,
  priceListInputSchema,
  priceListToCredits,
} from './prices';
