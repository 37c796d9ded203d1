import type { Clock } from '../../kernel/clock';
import type { IdGenerator } from '../../kernel/ids';
import type { Mailer } from '../../kernel/mailer';
import type { Db } from '../../storage/database';
import type { Ledger } from '../billing';
import type { AuditLog } from '../compliance';

export interface AccountsSettings {
  freeCreditsMicro: number;
  policyVersion: string;
  sessionTtlMs: number;
  loginMaxFailures: number;
  publicUrl: string;
}

/** What the accounts services need from the rest of the program. */
export interface AccountsDeps {
  db: Db;
  clock: Clock;
  ids: IdGenerator;
  audit: AuditLog;
  ledger: Ledger;
  mailer: Mailer;
  settings: AccountsSettings;
}
