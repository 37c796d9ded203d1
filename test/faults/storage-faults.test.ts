import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/kernel/logger';
import { storageFault } from '../../src/storage/faults';
import { createStorageHealth } from '../../src/storage/health';
import { startLoop } from '../../src/workers/loops';

const coded = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('storage faults', () => {
  it('tells a database that is away or busy from one that is full, and both from a bug', () => {
    // PostgreSQL: terminated backend, shutdown, refused, too many connections, disk full.
    expect(storageFault(coded('57P01', 'terminating connection due to administrator command'))).toBe(
      'unavailable',
    );
    expect(storageFault(coded('57P03'))).toBe('unavailable');
    expect(storageFault(coded('08006'))).toBe('unavailable');
    expect(storageFault(coded('53300'))).toBe('unavailable');
    expect(storageFault(coded('53100', 'could not extend file: No space left on device'))).toBe('full');
    // The pg client's own words, and the socket's.
    expect(storageFault(new Error('Connection terminated unexpectedly'))).toBe('unavailable');
    expect(storageFault(new Error('timeout exceeded when trying to connect'))).toBe('unavailable');
    expect(storageFault(coded('ECONNREFUSED'))).toBe('unavailable');
    // SQLite.
    expect(storageFault(coded('SQLITE_FULL', 'database or disk is full'))).toBe('full');
    expect(storageFault(coded('SQLITE_BUSY', 'database is locked'))).toBe('unavailable');
    expect(storageFault(coded('SQLITE_BUSY_SNAPSHOT'))).toBe('unavailable');
    expect(storageFault(coded('ENOSPC'))).toBe('full');
    // Found through a cause chain.
    expect(storageFault(new Error('migration failed', { cause: coded('SQLITE_FULL') }))).toBe('full');
    // Not the storage's fault.
    expect(storageFault(coded('23505', 'duplicate key value violates unique constraint'))).toBeNull();
    expect(storageFault(coded('SQLITE_CONSTRAINT_UNIQUE'))).toBeNull();
    expect(storageFault(coded('SQLITE_ERROR', 'cannot rollback - no transaction is active'))).toBeNull();
    expect(storageFault(new Error('boom'))).toBeNull();
    expect(storageFault('not an error')).toBeNull();
  });

  it('the health tracker alerts once for a run of "full" errors and clears on the next write', () => {
    const health = createStorageHealth();
    const events: string[] = [];
    health.listen({ full: () => events.push('full'), roomAgain: () => events.push('room') });
    health.observe(coded('SQLITE_BUSY'));
    health.wrote();
    expect(health.full).toBe(false);
    for (let i = 0; i < 100; i++) health.observe(coded('SQLITE_FULL'));
    expect(health.full).toBe(true);
    health.wrote();
    health.wrote();
    expect(health.full).toBe(false);
    expect(events).toEqual(['full', 'room']);
  });
});

describe('worker loops after storage faults', () => {
  it('an hourly loop whose run failed because the database was away runs again within seconds, not in an hour', async () => {
    let calls = 0;
    const ran: number[] = [];
    const started = Date.now();
    const loop = startLoop(
      'retention',
      async () => {
        calls++;
        if (calls <= 3) throw coded('57P01', 'terminating connection due to administrator command');
        ran.push(Date.now() - started);
        return 0;
      },
      { idleMs: 3600_000, logger: createLogger({ level: 'silent' }) },
    );
    try {
      const deadline = Date.now() + 5000;
      while (ran.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    } finally {
      await loop.stop();
    }
    // 250 + 500 + 1000 ms of back-off.
    expect(ran).toHaveLength(1);
    expect(ran[0]!).toBeLessThan(3000);
  });

  it("any other error waits the loop's own period, as before", async () => {
    let calls = 0;
    const loop = startLoop(
      'sweep',
      async () => {
        calls++;
        throw new Error('a bug');
      },
      { idleMs: 3600_000, logger: createLogger({ level: 'silent' }) },
    );
    await new Promise((r) => setTimeout(r, 1500));
    await loop.stop();
    expect(calls).toBe(1);
  });
});
