import { describe, expect, it } from 'vitest';
import {
  COUNTRY_ZONES,
  createQuietCalendar,
  isValidTimeZone,
  localTime,
  nextAllowedInstant,
  offsetMs,
  parseClockTime,
  parseZonedDateTime,
  zonedToUtc,
  zoneOfCountry,
} from '../../src/modules/campaigns/quiet-hours';

const H = 3600_000;
const NIGHT = { start: 21 * 60, end: 8 * 60 };
const iso = (t: number) => new Date(t).toISOString();

describe('country zones', () => {
  it('every zone in the table exists in this runtime', () => {
    expect(COUNTRY_ZONES.size).toBeGreaterThan(230);
    const bad = [...COUNTRY_ZONES].filter(([, zone]) => !isValidTimeZone(zone));
    expect(bad).toEqual([]);
  });

  it('uses the most populous zone of countries spanning several', () => {
    expect(zoneOfCountry('US')).toBe('America/New_York');
    expect(zoneOfCountry('ru')).toBe('Europe/Moscow');
    expect(zoneOfCountry('LV')).toBe('Europe/Riga');
    expect(zoneOfCountry('ZZ')).toBeNull();
    expect(zoneOfCountry(null)).toBeNull();
  });

  it('refuses zones that do not exist', () => {
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
    expect(isValidTimeZone('Europe/Riga')).toBe(true);
  });
});

describe('offsets and local times', () => {
  it('follows daylight saving time', () => {
    expect(offsetMs('Europe/Riga', Date.parse('2026-01-15T12:00:00Z'))).toBe(2 * H);
    expect(offsetMs('Europe/Riga', Date.parse('2026-07-15T12:00:00Z'))).toBe(3 * H);
    expect(offsetMs('America/New_York', Date.parse('2026-07-15T12:00:00Z'))).toBe(-4 * H);
    expect(offsetMs('Asia/Kolkata', Date.parse('2026-07-15T12:00:00Z'))).toBe(5.5 * H);
  });

  it('converts wall-clock time to UTC, day overflow included', () => {
    expect(iso(zonedToUtc('Europe/Riga', 2026, 1, 15, 8, 0))).toBe('2026-01-15T06:00:00.000Z');
    expect(iso(zonedToUtc('Europe/Riga', 2026, 1, 32, 8, 0))).toBe('2026-02-01T06:00:00.000Z');
    expect(iso(zonedToUtc('America/New_York', 2026, 7, 4, 9, 30))).toBe('2026-07-04T13:30:00.000Z');
  });

  it('maps a time skipped by spring-forward past the gap', () => {
    // Riga: 2026-03-29 03:00 → 04:00 local.
    const t = zonedToUtc('Europe/Riga', 2026, 3, 29, 3, 30);
    expect(localTime('Europe/Riga', t).hour).toBe(4);
  });

  it('parses schedules in a named zone, or with an explicit offset', () => {
    expect(iso(parseZonedDateTime('2026-03-01T09:00', 'Europe/Riga'))).toBe('2026-03-01T07:00:00.000Z');
    expect(iso(parseZonedDateTime('2026-03-01 09:00:30', 'Asia/Tokyo'))).toBe('2026-03-01T00:00:30.000Z');
    expect(iso(parseZonedDateTime('2026-03-01T09:00:00Z', 'Asia/Tokyo'))).toBe('2026-03-01T09:00:00.000Z');
    expect(iso(parseZonedDateTime('2026-03-01T09:00:00+02:00', 'UTC'))).toBe('2026-03-01T07:00:00.000Z');
    expect(parseZonedDateTime('tomorrow', 'UTC')).toBeNaN();
    expect(parseZonedDateTime('2026-13-01T09:00', 'UTC')).toBeNaN();
  });

  it('parses HH:MM clock times', () => {
    expect(parseClockTime('21:00')).toBe(1260);
    expect(parseClockTime('08:05')).toBe(485);
    expect(parseClockTime('24:00')).toBeNull();
    expect(parseClockTime('8:00')).toBeNull();
  });
});

describe('next allowed instant', () => {
  const riga = (day: number, hour: number, minute = 0) =>
    zonedToUtc('Europe/Riga', 2026, 1, day, hour, minute);

  it('allows daytime as is', () => {
    expect(nextAllowedInstant(riga(15, 12), 'Europe/Riga', NIGHT)).toBe(riga(15, 12));
    expect(nextAllowedInstant(riga(15, 8), 'Europe/Riga', NIGHT)).toBe(riga(15, 8));
    expect(nextAllowedInstant(riga(15, 20, 59), 'Europe/Riga', NIGHT)).toBe(riga(15, 20, 59));
  });

  it('moves late evening to 08:00 the next morning', () => {
    expect(nextAllowedInstant(riga(15, 23), 'Europe/Riga', NIGHT)).toBe(riga(16, 8));
    expect(nextAllowedInstant(riga(15, 21), 'Europe/Riga', NIGHT)).toBe(riga(16, 8));
    expect(nextAllowedInstant(riga(31, 22), 'Europe/Riga', NIGHT)).toBe(
      zonedToUtc('Europe/Riga', 2026, 2, 1, 8),
    );
  });

  it('moves the small hours to 08:00 the same day', () => {
    expect(nextAllowedInstant(riga(16, 3), 'Europe/Riga', NIGHT)).toBe(riga(16, 8));
    expect(nextAllowedInstant(riga(16, 7, 59), 'Europe/Riga', NIGHT)).toBe(riga(16, 8));
  });

  it('handles a window that does not cross midnight', () => {
    const lunch = { start: 12 * 60, end: 14 * 60 };
    expect(nextAllowedInstant(riga(15, 13), 'Europe/Riga', lunch)).toBe(riga(15, 14));
    expect(nextAllowedInstant(riga(15, 15), 'Europe/Riga', lunch)).toBe(riga(15, 15));
  });

  it('treats an empty window as no quiet hours', () => {
    expect(nextAllowedInstant(riga(15, 23), 'Europe/Riga', { start: 600, end: 600 })).toBe(riga(15, 23));
  });

  it('is right across daylight-saving changes', () => {
    // The night 28→29 March 2026 Riga springs forward: 08:00 on the 29th is UTC+3.
    const t = Date.parse('2026-03-28T22:00:00Z'); // 00:00 local on the 29th
    expect(iso(nextAllowedInstant(t, 'Europe/Riga', NIGHT))).toBe('2026-03-29T05:00:00.000Z');
    // New York falls back on 1 November 2026: 08:00 is UTC-5 again.
    const ny = Date.parse('2026-11-01T03:00:00Z'); // 23:00 on the 31st, EDT
    expect(iso(nextAllowedInstant(ny, 'America/New_York', NIGHT))).toBe('2026-11-01T13:00:00.000Z');
  });

  it('the cached calendar answers like the plain function over a month of instants', () => {
    const next = createQuietCalendar(NIGHT);
    const start = Date.parse('2026-03-20T00:00:00Z');
    for (let t = start; t < start + 20 * 24 * H; t += 17 * 60_000) {
      for (const zone of ['Europe/Riga', 'America/New_York', 'Asia/Kolkata']) {
        expect(next(t, zone)).toBe(nextAllowedInstant(t, zone, NIGHT));
      }
    }
    expect(createQuietCalendar(null)(start, 'Europe/Riga')).toBe(start);
  });
});

describe('country of a stored number (cached by prefix)', () => {
  it('tells apart countries sharing a calling code', async () => {
    const { countryOfNumber } = await import('../../src/modules/campaigns/plan');
    expect(countryOfNumber('+12127365000')).toBe('US');
    expect(countryOfNumber('+18769250123')).toBe('JM');
    expect(countryOfNumber('+14163640199')).toBe('CA');
    expect(countryOfNumber('+77012345678')).toBe('KZ');
    expect(countryOfNumber('+79123456789')).toBe('RU');
    expect(countryOfNumber('+37121234567')).toBe('LV');
    // Asked again: the cached answer is the same.
    expect(countryOfNumber('+12127365001')).toBe('US');
    expect(countryOfNumber('+77012345679')).toBe('KZ');
  });
});
