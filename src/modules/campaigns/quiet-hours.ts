/**
 * Quiet hours in the recipient's local time. A recipient's zone is derived from the country of their
 * number: countries spanning several zones use their most populous one (US → New York, CA → Toronto,
 * AU → Sydney, BR → São Paulo, RU → Moscow, MX → Mexico City, ID → Jakarta, …), so a few recipients in
 * the far west or east of such a country get messages an hour or more earlier or later on their clock.
 * Offsets come from `Intl.DateTimeFormat`, so daylight-saving changes follow the ICU time zone data.
 */

import { isTimeZone, type LocalTime, localTime } from '../../kernel/calendar';

const ZONES =
  'AC:Atlantic/St_Helena AD:Europe/Andorra AE:Asia/Dubai AF:Asia/Kabul AG:America/Antigua AI:America/Anguilla ' +
  'AL:Europe/Tirane AM:Asia/Yerevan AO:Africa/Luanda AR:America/Argentina/Buenos_Aires AS:Pacific/Pago_Pago ' +
  'AT:Europe/Vienna AU:Australia/Sydney AW:America/Aruba AX:Europe/Mariehamn AZ:Asia/Baku BA:Europe/Sarajevo ' +
  'BB:America/Barbados BD:Asia/Dhaka BE:Europe/Brussels BF:Africa/Ouagadougou BG:Europe/Sofia BH:Asia/Bahrain ' +
  'BI:Africa/Bujumbura BJ:Africa/Porto-Novo BL:America/St_Barthelemy BM:Atlantic/Bermuda BN:Asia/Brunei ' +
  'BO:America/La_Paz BQ:America/Kralendijk BR:America/Sao_Paulo BS:America/Nassau BT:Asia/Thimphu ' +
  'BW:Africa/Gaborone BY:Europe/Minsk BZ:America/Belize CA:America/Toronto CC:Indian/Cocos CD:Africa/Kinshasa ' +
  'CF:Africa/Bangui CG:Africa/Brazzaville CH:Europe/Zurich CI:Africa/Abidjan CK:Pacific/Rarotonga ' +
  'CL:America/Santiago CM:Africa/Douala CN:Asia/Shanghai CO:America/Bogota CR:America/Costa_Rica CU:America/Havana ' +
  'CV:Atlantic/Cape_Verde CW:America/Curacao CX:Indian/Christmas CY:Asia/Nicosia CZ:Europe/Prague DE:Europe/Berlin ' +
  'DJ:Africa/Djibouti DK:Europe/Copenhagen DM:America/Dominica DO:America/Santo_Domingo DZ:Africa/Algiers ' +
  'EC:America/Guayaquil EE:Europe/Tallinn EG:Africa/Cairo EH:Africa/El_Aaiun ER:Africa/Asmara ES:Europe/Madrid ' +
  'ET:Africa/Addis_Ababa FI:Europe/Helsinki FJ:Pacific/Fiji FK:Atlantic/Stanley FM:Pacific/Chuuk FO:Atlantic/Faroe ' +
  'FR:Europe/Paris GA:Africa/Libreville GB:Europe/London GD:America/Grenada GE:Asia/Tbilisi GF:America/Cayenne ' +
  'GG:Europe/Guernsey GH:Africa/Accra GI:Europe/Gibraltar GL:America/Nuuk GM:Africa/Banjul GN:Africa/Conakry ' +
  'GP:America/Guadeloupe GQ:Africa/Malabo GR:Europe/Athens GT:America/Guatemala GU:Pacific/Guam GW:Africa/Bissau ' +
  'GY:America/Guyana HK:Asia/Hong_Kong HN:America/Tegucigalpa HR:Europe/Zagreb HT:America/Port-au-Prince ' +
  'HU:Europe/Budapest ID:Asia/Jakarta IE:Europe/Dublin IL:Asia/Jerusalem IM:Europe/Isle_of_Man IN:Asia/Kolkata ' +
  'IO:Indian/Chagos IQ:Asia/Baghdad IR:Asia/Tehran IS:Atlantic/Reykjavik IT:Europe/Rome JE:Europe/Jersey ' +
  'JM:America/Jamaica JO:Asia/Amman JP:Asia/Tokyo KE:Africa/Nairobi KG:Asia/Bishkek KH:Asia/Phnom_Penh ' +
  'KI:Pacific/Tarawa KM:Indian/Comoro KN:America/St_Kitts KP:Asia/Pyongyang KR:Asia/Seoul KW:Asia/Kuwait ' +
  'KY:America/Cayman KZ:Asia/Almaty LA:Asia/Vientiane LB:Asia/Beirut LC:America/St_Lucia LI:Europe/Vaduz ' +
  'LK:Asia/Colombo LR:Africa/Monrovia LS:Africa/Maseru LT:Europe/Vilnius LU:Europe/Luxembourg LV:Europe/Riga ' +
  'LY:Africa/Tripoli MA:Africa/Casablanca MC:Europe/Monaco MD:Europe/Chisinau ME:Europe/Podgorica ' +
  'MF:America/Marigot MG:Indian/Antananarivo MH:Pacific/Majuro MK:Europe/Skopje ML:Africa/Bamako MM:Asia/Yangon ' +
  'MN:Asia/Ulaanbaatar MO:Asia/Macau MP:Pacific/Saipan MQ:America/Martinique MR:Africa/Nouakchott ' +
  'MS:America/Montserrat MT:Europe/Malta MU:Indian/Mauritius MV:Indian/Maldives MW:Africa/Blantyre ' +
  'MX:America/Mexico_City MY:Asia/Kuala_Lumpur MZ:Africa/Maputo NA:Africa/Windhoek NC:Pacific/Noumea ' +
  'NE:Africa/Niamey NF:Pacific/Norfolk NG:Africa/Lagos NI:America/Managua NL:Europe/Amsterdam NO:Europe/Oslo ' +
  'NP:Asia/Kathmandu NR:Pacific/Nauru NU:Pacific/Niue NZ:Pacific/Auckland OM:Asia/Muscat PA:America/Panama ' +
  'PE:America/Lima PF:Pacific/Tahiti PG:Pacific/Port_Moresby PH:Asia/Manila PK:Asia/Karachi PL:Europe/Warsaw ' +
  'PM:America/Miquelon PN:Pacific/Pitcairn PR:America/Puerto_Rico PS:Asia/Hebron PT:Europe/Lisbon PW:Pacific/Palau ' +
  'PY:America/Asuncion QA:Asia/Qatar RE:Indian/Reunion RO:Europe/Bucharest RS:Europe/Belgrade RU:Europe/Moscow ' +
  'RW:Africa/Kigali SA:Asia/Riyadh SB:Pacific/Guadalcanal SC:Indian/Mahe SD:Africa/Khartoum SE:Europe/Stockholm ' +
  'SG:Asia/Singapore SH:Atlantic/St_Helena SI:Europe/Ljubljana SJ:Arctic/Longyearbyen SK:Europe/Bratislava ' +
  'SL:Africa/Freetown SM:Europe/San_Marino SN:Africa/Dakar SO:Africa/Mogadishu SR:America/Paramaribo ' +
  'SS:Africa/Juba ST:Africa/Sao_Tome SV:America/El_Salvador SX:America/Lower_Princes SY:Asia/Damascus ' +
  'SZ:Africa/Mbabane TA:Atlantic/St_Helena TC:America/Grand_Turk TD:Africa/Ndjamena TG:Africa/Lome ' +
  'TH:Asia/Bangkok TJ:Asia/Dushanbe TK:Pacific/Fakaofo TL:Asia/Dili TM:Asia/Ashgabat TN:Africa/Tunis ' +
  'TO:Pacific/Tongatapu TR:Europe/Istanbul TT:America/Port_of_Spain TV:Pacific/Funafuti TW:Asia/Taipei ' +
  'TZ:Africa/Dar_es_Salaam UA:Europe/Kyiv UG:Africa/Kampala US:America/New_York UY:America/Montevideo ' +
  'UZ:Asia/Tashkent VA:Europe/Vatican VC:America/St_Vincent VE:America/Caracas VG:America/Tortola ' +
  'VI:America/St_Thomas VN:Asia/Ho_Chi_Minh VU:Pacific/Efate WF:Pacific/Wallis WS:Pacific/Apia XK:Europe/Belgrade ' +
  'YE:Asia/Aden YT:Indian/Mayotte ZA:Africa/Johannesburg ZM:Africa/Lusaka ZW:Africa/Harare';

/** ISO 3166-1 alpha-2 country → its primary IANA time zone. */
export const COUNTRY_ZONES: ReadonlyMap<string, string> = new Map(
  ZONES.split(' ').map((pair) => pair.split(':') as [string, string]),
);

/** The primary time zone of a country, or null when unknown. */
export function zoneOfCountry(country: string | null | undefined): string | null {
  return country ? (COUNTRY_ZONES.get(country.toUpperCase()) ?? null) : null;
}

/** True when `zone` is an IANA time zone name this runtime knows. */
export const isValidTimeZone = isTimeZone;

export type { LocalTime };
export { localTime };

/** The offset of `zone` from UTC at instant `t`, in ms (e.g. +2 h for Riga in winter). */
export function offsetMs(zone: string, t: number): number {
  const l = localTime(zone, t);
  const asUtc = Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second);
  return asUtc - Math.floor(t / 1000) * 1000;
}

/**
 * The instant at which the wall clock in `zone` shows the given local time. Day and month may overflow
 * (day 32 is the 1st of the next month). A time skipped by a daylight-saving change maps to the instant
 * the clocks jumped over it, shifted by the jump (02:30 on a spring-forward night → 03:30).
 */
export function zonedToUtc(
  zone: string,
  year: number,
  month: number,
  day: number,
  hour = 0,
  minute = 0,
  second = 0,
): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  const first = wall - offsetMs(zone, wall);
  const second_ = wall - offsetMs(zone, first);
  if (first === second_) return first;
  // Across a change the two guesses differ: keep one whose local time reads back as asked, if any.
  return wall - offsetMs(zone, second_) === second_ ? second_ : Math.max(first, second_);
}

/** A daily quiet window in minutes after local midnight; `start > end` crosses midnight (21:00–08:00). */
export interface QuietWindow {
  start: number;
  end: number;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** "21:00" → 1260; null when not a valid 24-hour HH:MM. */
export function parseClockTime(text: string): number | null {
  const m = HHMM.exec(text);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

export function formatClockTime(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** The quiet intervals (UTC ms, end exclusive) of the local days around instant `t`. */
function intervalsAround(zone: string, window: QuietWindow, t: number): Array<[number, number]> {
  const l = localTime(zone, t);
  const crosses = window.start > window.end ? 1 : 0;
  const out: Array<[number, number]> = [];
  for (const k of [-1, 0, 1]) {
    const from = zonedToUtc(zone, l.year, l.month, l.day + k, 0, window.start);
    const to = zonedToUtc(zone, l.year, l.month, l.day + k + crosses, 0, window.end);
    out.push([from, to]);
  }
  return out;
}

/**
 * The first instant at or after `t` outside the quiet window in `zone`: `t` itself when it is allowed,
 * else the local end of the window (which may be the next day when the window crosses midnight).
 */
export function nextAllowedInstant(t: number, zone: string, window: QuietWindow): number {
  if (window.start === window.end) return t;
  for (const [from, to] of intervalsAround(zone, window, t)) {
    if (t >= from && t < to) return to;
  }
  return t;
}

/**
 * `nextAllowedInstant` with a per-zone cache: the fan-out asks for a million instants that mostly fall
 * into the same few days, and each Intl call costs microseconds.
 */
export function createQuietCalendar(window: QuietWindow | null) {
  const cache = new Map<string, { from: number; to: number; intervals: Array<[number, number]> }>();
  return function nextAllowed(t: number, zone: string): number {
    if (!window || window.start === window.end) return t;
    let entry = cache.get(zone);
    if (!entry || t < entry.from || t >= entry.to) {
      const intervals = intervalsAround(zone, window, t);
      entry = { from: intervals[0]![0], to: intervals[2]![1], intervals };
      cache.set(zone, entry);
    }
    for (const [from, to] of entry.intervals) {
      if (t >= from && t < to) return to;
    }
    return t;
  };
}

const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?$/;

/**
 * A schedule as clients write it: an ISO instant with `Z` or an offset is taken as is; a local date-time
 * without one ("2026-03-01T09:00") is read as wall-clock time in `zone`. NaN when it is neither.
 */
export function parseZonedDateTime(text: string, zone: string): number {
  const m = LOCAL_DATE_TIME.exec(text.trim());
  if (!m) return /(?:Z|[+-]\d{2}:?\d{2})$/i.test(text.trim()) ? Date.parse(text) : Number.NaN;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((v) => Number(v ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59)
    return Number.NaN;
  return zonedToUtc(zone, year, month, day, hour, minute, second);
}
