export { type Balance, type Ledger, type LedgerEntry, createLedger } from './ledger';
export { creditsToMicro, MICRO, microToCredits } from './money';
