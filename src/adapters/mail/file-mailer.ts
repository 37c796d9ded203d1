import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../../kernel/clock';
import type { Logger } from '../../kernel/logger';
import type { Mail, Mailer } from '../../kernel/mailer';

/**
 * The embedded default: every mail becomes a `.eml`-like text file, so that a fresh install can verify
 * e-mails and reset passwords without an SMTP server. The log line names the file, not the content.
 */
export function createFileMailer(deps: {
  dir: string;
  clock: Clock;
  logger: Logger;
  from: string;
}): Mailer & { dir: string } {
  let counter = 0;
  return {
    dir: deps.dir,
    async send(mail: Mail) {
      await mkdir(deps.dir, { recursive: true });
      const stamp = new Date(deps.clock.now()).toISOString().replace(/[:.]/g, '-');
      const file = join(deps.dir, `${stamp}-${process.pid}-${++counter}.txt`);
      const content = `From: ${deps.from}\nTo: ${mail.to}\nSubject: ${mail.subject}\n\n${mail.text}`;
      await writeFile(file, content, { mode: 0o600 });
      deps.logger.info({ file }, 'mail written to file (set SMTP_URL to send it)');
    },
  };
}
