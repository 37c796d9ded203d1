export { type Balance, createLedger, type Ledger, type LedgerEntry } from './ledger';
export { creditsToMicro, MICRO, microToCredits } from './money';
