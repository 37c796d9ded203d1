import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CONFIG_SCHEMA, ConfigError, loadConfig } from '../../src/config';
import { renderErrorDocs } from '../../src/http/error-docs';
import { STATUS_OF } from '../../src/http/problem';
import { ERROR_CODES } from '../../src/kernel/errors';
import { createIdGenerator } from '../../src/kernel/ids';
import { createLogger } from '../../src/kernel/logger';
import { FakeClock } from '../helpers/fake-clock';

describe('ids', () => {
  it('are prefixed, 26 characters after the prefix, and sort in creation order within and across milliseconds', () => {
    const clock = new FakeClock(1_700_000_000_000);
    const next = createIdGenerator(clock);
    const made: string[] = [];
    for (let i = 0; i < 2000; i++) {
      if (i % 500 === 0) clock.advance(1);
      made.push(next('msg'));
    }
    expect(made[0]).toMatch(/^msg_[0-9a-hjkmnp-tv-z]{26}$/);
    expect([...made].sort()).toEqual(made);
    expect(new Set(made).size).toBe(made.length);
  });
});

describe('config', () => {
  it('has defaults for a fresh start', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(3000);
    expect(config.DATABASE_URL).toMatch(/^sqlite:.*data\/smsgate\.db$/);
    expect(config.PUBLIC_URL).toBe('http://localhost:3000');
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reports every problem at once', () => {
    try {
      loadConfig({ PORT: 'abc', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x', FREE_CREDITS: '-1' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      for (const name of ['PORT', 'LOG_LEVEL', 'DATABASE_URL', 'FREE_CREDITS'])
        expect(problems).toContain(name);
    }
  });

  it('is documented variable by variable in the README', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const name of Object.keys(CONFIG_SCHEMA)) expect(readme, name).toContain(`| \`${name}\``);
  });
});

describe('errors', () => {
  it('docs/errors.md matches the code list (run `npm run docs:errors` after changing codes)', () => {
    const docs = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    expect(docs).toBe(renderErrorDocs());
    expect(Object.keys(STATUS_OF).sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });
});

describe('logger', () => {
  it('redacts phone numbers, message bodies, e-mails and secrets wherever they sit', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const log = createLogger({ level: 'info', destination: sink });
    log.info(
      {
        to: '+37121234567',
        text: 'secret body',
        password: 'hunter2',
        message: { phone: '+4915123456789', email: 'a@b.c', body: 'x' },
        batch: { recipients: [{ to: '+37120000001' }, { to: '+37120000002' }], id: 'b_1' },
        req: { headers: { authorization: 'Bearer sg_live_abc', cookie: 'sid=s3cr3t' } },
      },
      'sent',
    );
    log
      .child({ email: 'child@example.com', reqId: 'req_1' })
      .warn({ deep: { a: { b: { text: 'deep body' } } } }, 'x');
    const line = lines.join('');
    for (const leaked of [
      '+37121234567',
      'secret body',
      'hunter2',
      '+4915123456789',
      'a@b.c',
      '+37120000001',
      '+37120000002',
      'sg_live_abc',
      's3cr3t',
      'child@example.com',
      'deep body',
    ])
      expect(line).not.toContain(leaked);
    expect(line).toContain('[redacted]');
    // What is not personal stays readable.
    for (const kept of ['"id":"b_1"', '"reqId":"req_1"', '"msg":"sent"']) expect(line).toContain(kept);
  });

  it('leaves the logged object as it was', () => {
    const log = createLogger({
      level: 'info',
      destination: new Writable({ write: (_c, _e, done) => done() }),
    });
    const fields = { to: '+37121234567', nested: { phone: '+37121234568' } };
    log.info(fields, 'x');
    expect(fields).toEqual({ to: '+37121234567', nested: { phone: '+37121234568' } });
  });
});
