import type { Clock } from '../../src/kernel/clock';

/** A clock that only moves when told to: retention, expiry and schedules are tested by advancing it. */
export class FakeClock implements Clock {
  constructor(private current = Date.parse('2026-01-15T12:00:00Z')) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
  set(ms: number): void {
    this.current = ms;
  }
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
