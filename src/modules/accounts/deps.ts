import type { Clock } from '../../kernel/clock';
import type { IdGenerator } from '../../kernel/ids';
import type { Logger } from '../../kernel/logger';
import type { Mailer } from '../../kernel/mailer';
import type { SecretBox } from '../../kernel/secret-box';
import type { Db } from '../../storage/database';
import type { AuditLog } from '../audit';
import type { Ledger } from '../billing';

export interface AccountsSettings {
  freeCreditsMicro: number;
  policyVersion: string;
  sessionTtlMs: number;
  /** Failed logins per e-mail from one IP in 15 minutes (per IP over all e-mails: 5×). */
  loginMaxFailures: number;
  /** Failed logins per e-mail from all IPs in 15 minutes before the e-mail is locked everywhere. */
  loginLockEmailFailures: number;
  /** Password-reset requests per e-mail, and per IP, per hour that send a mail. */
  resetMaxPerEmail: number;
  resetMaxPerIp: number;
  /** Staff without 2FA may only enrol. */
  staffRequire2fa: boolean;
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
  /** Seals the 2FA secrets at rest: a copy of the database does not hand out anyone's second factor. */
  secrets: SecretBox;
  /** Where failures of work done after the answer (mails) are reported. */
  log?: Logger;
}
