/**
 * The one schedule of background work: how `workOnce()` (runScheduleOnce) and `startWorkers()` (startSchedule)
 * read the same table, and that the README's table of kinds lists the schedule's kinds.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/kernel/logger';
import type { Loop } from '../../src/workers/loops';
import {
  type BackgroundKind,
  backgroundSchedule,
  runScheduleOnce,
  type ScheduleDeps,
  startSchedule,
} from '../../src/workers/schedule';

const config = { REDIS_URL: undefined, RETENTION_SWEEP_MINUTES: 60 };
const logger = createLogger({ level: 'silent' });
const never = (name: string) => async (): Promise<number> => {
  throw new Error(`${name} must not run`);
};

describe('runScheduleOnce (workOnce)', () => {
  it('runs the first kinds once, then the drain kinds in order until a round does nothing', async () => {
    const log: string[] = [];
    // `produce` hands 3 items, one a run, to `consume`, which works off what is queued.
    let toProduce = 3;
    let queued = 0;
    const kinds: BackgroundKind[] = [
      { name: 'skipped', run: never('skipped'), idleMs: 10, once: { skip: 'a reason' } },
      {
        name: 'sweep',
        run: async () => {
          log.push('sweep');
          return 5;
        },
        idleMs: 10,
        once: 'first',
      },
      {
        name: 'produce',
        run: async () => {
          log.push('produce');
          if (toProduce === 0) return 0;
          toProduce--;
          queued++;
          return 1;
        },
        idleMs: 10,
        once: 'drain',
      },
      { name: 'off', run: never('off'), idleMs: 10, when: (c) => Boolean(c.REDIS_URL), once: 'drain' },
      {
        name: 'consume',
        run: async () => {
          log.push('consume');
          const n = Math.min(2, queued);
          queued -= n;
          return n;
        },
        idleMs: 10,
        once: 'drain',
      },
      {
        name: 'late-first',
        run: async () => {
          log.push('late-first');
          return 0;
        },
        idleMs: 10,
        once: 'first',
      },
    ];
    expect(await runScheduleOnce(kinds, config)).toBe(5 + 3 + 3);
    expect(log).toEqual([
      'sweep',
      'late-first',
      ...['produce', 'consume', 'produce', 'consume', 'produce', 'consume', 'produce', 'consume'],
    ]);
    expect(queued).toBe(0);
  });
});

describe('startSchedule (startWorkers)', () => {
  let loops: Loop[] = [];
  afterEach(async () => {
    await Promise.all(loops.splice(0).map((l) => l.stop()));
  });

  it('starts copies side by side, runs a busy kind back to back and a periodic one once per period', async () => {
    let inFlight = 0;
    let most = 0;
    let busyRuns = 0;
    let periodicRuns = 0;
    const kinds: BackgroundKind[] = [
      {
        name: 'parallel',
        run: async () => {
          inFlight++;
          most = Math.max(most, inFlight);
          await new Promise((resolve) => setTimeout(resolve, 20));
          inFlight--;
          return 0;
        },
        idleMs: 10_000,
        copies: 3,
        once: 'drain',
      },
      { name: 'busy', run: async () => (++busyRuns <= 50 ? 1 : 0), idleMs: 10_000, once: 'drain' },
      {
        name: 'periodic',
        run: async () => {
          periodicRuns++;
          return 7;
        },
        idleMs: 10_000,
        periodic: true,
        once: 'first',
      },
      { name: 'off', run: never('off'), idleMs: 10, when: () => false, once: 'drain' },
    ];
    loops = startSchedule(kinds, { config, logger });
    expect(loops).toHaveLength(3 + 1 + 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(most).toBe(3);
    // Back to back while it finds work, then one run that found none, then the idle wait.
    expect(busyRuns).toBe(51);
    // It reported work, but a periodic kind waits its period anyway.
    expect(periodicRuns).toBe(1);
  });
});

describe('the schedule of the system', () => {
  // Building the table reads only the settings; the modules' functions are called by runs alone.
  const deps = { config, logger } as unknown as ScheduleDeps;
  const schedule = backgroundSchedule(deps);

  it('names each kind once, and gives each kind left out of workOnce() a reason', () => {
    const names = schedule.map((k) => k.name);
    expect(new Set(names).size).toBe(names.length);
    for (const kind of schedule)
      if (typeof kind.once === 'object') expect(kind.once.skip.length, kind.name).toBeGreaterThan(20);
  });

  it('is the table of kinds in the README, in its order', () => {
    const readme = readFileSync('README.md', 'utf8');
    const section = readme.slice(readme.indexOf('### Background work'), readme.indexOf('### Scaling out'));
    const listed = [...section.matchAll(/^\| `([a-z-]+)` /gm)].map((m) => m[1]);
    expect(listed).toEqual(schedule.map((k) => k.name));
  });
});
