/**
 * Calendar days in an IANA time zone, as UTC instants: reports count "per day" in the reader's zone, and
 * a day there is not always 24 hours long (daylight-saving changes).
 */

const DAY_MS = 86_400_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** True when `zone` is an IANA time zone name this runtime knows. */
export function isTimeZone(zone: string): boolean {
  if (!zone || zone.length > 64) return false;
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** A wall-clock reading: what a clock in some zone shows. */
export interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The wall-clock time in `zone` at the instant `t` (ms). */
export function localTime(zone: string, t: number): LocalTime {
  const out: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(t)) {
    if (p.type !== 'literal') out[p.type] = Number(p.value);
  }
  // `h23` still reads midnight as 24 on some ICU versions.
  return {
    year: out.year!,
    month: out.month!,
    day: out.day!,
    hour: out.hour! % 24,
    minute: out.minute!,
    second: out.second!,
  };
}

/** The wall clock in `zone` at instant `t`, read as if it were UTC (ms). */
function wallAsUtc(zone: string, t: number): number {
  const l = localTime(zone, t);
  return Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second);
}

/** The calendar date (`YYYY-MM-DD`) in `zone` at instant `t`. */
export function dateIn(zone: string, t: number): string {
  return new Date(wallAsUtc(zone, t)).toISOString().slice(0, 10);
}

/** The day number (days since 1970-01-01) of a `YYYY-MM-DD` date, or null when it is no real date. */
export function dayNumberOf(date: string): number | null {
  const m = DATE.exec(date);
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  // Date.UTC rolls 2026-02-30 over into March: such a date is refused rather than moved.
  return new Date(ms).toISOString().slice(0, 10) === date ? ms / DAY_MS : null;
}

/** `YYYY-MM-DD` of a day number. */
export function dateOfDayNumber(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/**
 * The instant the day `day` (a day number) starts in `zone`: the first instant whose wall clock shows that
 * date. Zones that skip midnight on a daylight-saving night start that day at 01:00.
 */
export function startOfDay(zone: string, day: number): number {
  const wall = day * DAY_MS;
  // Two rounds of "wall time minus the offset there" settle on the instant, as offsets change at most
  // once a day; the result is then moved forward to the first instant that is on `day`.
  let t = wall - (wallAsUtc(zone, wall) - wall);
  t = wall - (wallAsUtc(zone, t) - t);
  if (wallAsUtc(zone, t) < wall) t += wall - wallAsUtc(zone, t);
  while (wallAsUtc(zone, t - 60_000) >= wall) t -= 60_000;
  return t;
}
