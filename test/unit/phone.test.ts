import {
  type CountryCode,
  getCountries,
  getCountryCallingCode,
  getExampleNumber,
} from 'libphonenumber-js/max';
import mobileExamples from 'libphonenumber-js/mobile/examples';
import { beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/kernel/errors';
import {
  clearPhoneCache,
  countryOfE164,
  MAX_PHONE_INPUT_LENGTH,
  normalizePhone,
  SMS_CAPABLE_TYPES,
  tryNormalizePhone,
} from '../../src/modules/phone/phone';

function rejection(input: string, defaultCountry?: string | null): AppError {
  try {
    normalizePhone(input, defaultCountry);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
}

beforeEach(() => {
  clearPhoneCache();
});

describe('normalizePhone: international format', () => {
  it.each([
    ['+37121234567', '+37121234567', 'LV', 'MOBILE'],
    ['+371 2123 4567', '+37121234567', 'LV', 'MOBILE'],
    ['+447400123456', '+447400123456', 'GB', 'MOBILE'],
    ['+44 7400 123456', '+447400123456', 'GB', 'MOBILE'],
    ['+1 (415) 555-0123', '+14155550123', 'US', 'FIXED_LINE_OR_MOBILE'],
    ['+1 415.555.0123', '+14155550123', 'US', 'FIXED_LINE_OR_MOBILE'],
    ['+1 604 555 0123', '+16045550123', 'CA', 'FIXED_LINE_OR_MOBILE'],
    ['+49 151 23456789', '+4915123456789', 'DE', 'MOBILE'],
    ['+49-171-1234567', '+491711234567', 'DE', 'MOBILE'],
    ['+91 98765 43210', '+919876543210', 'IN', 'MOBILE'],
    ['+55 11 98765-4321', '+5511987654321', 'BR', 'MOBILE'],
    ['+234 803 123 4567', '+2348031234567', 'NG', 'MOBILE'],
    ['+33 6 12 34 56 78', '+33612345678', 'FR', 'MOBILE'],
    ['+61 412 345 678', '+61412345678', 'AU', 'MOBILE'],
    ['+81 90-1234-5678', '+819012345678', 'JP', 'MOBILE'],
    ['+7 916 123-45-67', '+79161234567', 'RU', 'MOBILE'],
    ['+7 701 123 4567', '+77011234567', 'KZ', 'MOBILE'],
    ['+86 138 0013 8000', '+8613800138000', 'CN', 'MOBILE'],
    ['+27 82 123 4567', '+27821234567', 'ZA', 'MOBILE'],
    ['+254 712 345678', '+254712345678', 'KE', 'MOBILE'],
    ['+971 50 123 4567', '+971501234567', 'AE', 'MOBILE'],
    ['+48 512 345 678', '+48512345678', 'PL', 'MOBILE'],
    ['+372 5123 4567', '+37251234567', 'EE', 'MOBILE'],
    ['+370 612 34567', '+37061234567', 'LT', 'MOBILE'],
    ['+1 876 210 1234', '+18762101234', 'JM', 'MOBILE'],
    ['+262 692 12 34 56', '+262692123456', 'RE', 'MOBILE'],
    ['+45 20 12 34 56', '+4520123456', 'DK', 'FIXED_LINE_OR_MOBILE'],
  ])('%s → %s (%s)', (input, e164, country, type) => {
    expect(normalizePhone(input)).toEqual({ e164, country, type });
  });

  it('attributes numbers in shared calling codes to the right territory', () => {
    expect(normalizePhone('+447624123456').country).toBe('IM');
    expect(normalizePhone('+1 684 733 1234').country).toBe('AS');
    expect(normalizePhone('+1 441 370 1234').country).toBe('BM');
  });

  it('ignores the default country for international input', () => {
    expect(normalizePhone('+37121234567', 'US')).toEqual({
      e164: '+37121234567',
      country: 'LV',
      type: 'MOBILE',
    });
  });

  it('accepts surrounding white space, NBSP, Unicode dashes and a parenthesised country code', () => {
    expect(normalizePhone('  +37121234567\n').e164).toBe('+37121234567');
    expect(normalizePhone('+371\u00a02123\u20114567').e164).toBe('+37121234567');
    expect(normalizePhone('+371 2123–4567').e164).toBe('+37121234567');
    expect(normalizePhone('(+371) 2123 4567').e164).toBe('+37121234567');
    expect(normalizePhone('+49 151/23456789').e164).toBe('+4915123456789');
  });

  it.each([
    ['+44 56 1234 5678', 'VOIP'],
    ['+44 70 1234 5678', 'PERSONAL_NUMBER'],
    ['+49 700 12345678', 'PERSONAL_NUMBER'],
    ['+44 55 1234 5678', 'UAN'],
    ['+44 300 123 4567', 'UAN'],
    ['+1 500 555 0123', 'PERSONAL_NUMBER'],
  ])('accepts the SMS-capable non-mobile %s (%s)', (input, type) => {
    expect(normalizePhone(input).type).toBe(type);
  });

  it('accepts the example mobile number of every country that has one', () => {
    const failures: string[] = [];
    let checked = 0;
    for (const country of getCountries()) {
      const example = getExampleNumber(country, mobileExamples);
      if (!example) continue;
      checked++;
      const result = tryNormalizePhone(example.formatInternational());
      if (!result.ok) failures.push(`${country}: ${result.reason}`);
      else if (result.e164 !== example.number) failures.push(`${country}: got ${result.e164}`);
      // Territories sharing a numbering plan with their main country (AX/FI, VA/IT, CC/AU, …) may be
      // attributed to the main one; it must still be a country of the same calling code.
      else if (getCountryCallingCode(result.country as CountryCode) !== example.countryCallingCode) {
        failures.push(`${country}: got ${result.country}`);
      }
    }
    expect(checked).toBeGreaterThan(200);
    expect(failures).toEqual([]);
  });
});

describe('normalizePhone: 00 international prefix', () => {
  it.each([
    ['0037121234567', '+37121234567'],
    ['00 371 2123 4567', '+37121234567'],
    ['0044 7400 123456', '+447400123456'],
    ['00-49-151-23456789', '+4915123456789'],
    ['001 415 555 0123', '+14155550123'],
  ])('%s → %s without a default country', (input, e164) => {
    expect(normalizePhone(input).e164).toBe(e164);
  });

  it('works with a default country whose own prefix is 00', () => {
    expect(normalizePhone('00371 2123 4567', 'LV').e164).toBe('+37121234567');
    expect(normalizePhone('0044 7400 123456', 'DE').e164).toBe('+447400123456');
  });

  it('reads 00 as + even when the default country dials abroad with something else', () => {
    expect(normalizePhone('00371 2123 4567', 'US').e164).toBe('+37121234567');
  });

  it("understands the default country's own international prefix", () => {
    expect(normalizePhone('011 371 2123 4567', 'US').e164).toBe('+37121234567');
    expect(normalizePhone('0011 371 2123 4567', 'AU').e164).toBe('+37121234567');
  });

  it('rejects an unknown calling code after 00', () => {
    expect(rejection('00999 123456').message).toMatch(/unknown country calling code/);
  });
});

describe('normalizePhone: national format with a default country', () => {
  it.each([
    ['2123 4567', 'LV', '+37121234567', 'LV'],
    ['21234567', 'lv', '+37121234567', 'LV'],
    ['07400 123456', 'GB', '+447400123456', 'GB'],
    ['(415) 555-0123', 'US', '+14155550123', 'US'],
    ['1 415 555 0123', 'US', '+14155550123', 'US'],
    ['415.555.0123', 'US', '+14155550123', 'US'],
    ['0151 23456789', 'DE', '+4915123456789', 'DE'],
    ['8 916 123-45-67', 'RU', '+79161234567', 'RU'],
    ['06 12 34 56 78', 'FR', '+33612345678', 'FR'],
    ['098765 43210', 'IN', '+919876543210', 'IN'],
    ['(11) 98765-4321', 'BR', '+5511987654321', 'BR'],
    ['0803 123 4567', 'NG', '+2348031234567', 'NG'],
    ['0412 345 678', 'AU', '+61412345678', 'AU'],
    ['37121234567', 'LV', '+37121234567', 'LV'],
  ])('%s with %s → %s', (input, defaultCountry, e164, country) => {
    const result = normalizePhone(input, defaultCountry);
    expect(result.e164).toBe(e164);
    expect(result.country).toBe(country);
  });

  it('attributes a national number to the real country, not the default one', () => {
    expect(normalizePhone('07624 123456', 'GB').country).toBe('IM');
  });

  it('needs a default country for national input', () => {
    expect(rejection('2123 4567').message).toBe(
      '2123 4567 is not in international format: start it with + and the country code, or set a default country',
    );
    expect(rejection('2123 4567', null).message).toMatch(/not in international format/);
  });

  it('ignores an unknown default country', () => {
    expect(rejection('2123 4567', 'XX').message).toMatch(/not in international format/);
    expect(normalizePhone('+37121234567', 'XX').e164).toBe('+37121234567');
  });

  it('rejects a national number that is invalid in the default country', () => {
    const error = rejection('0 2123 4567', 'LV');
    expect(error.code).toBe('invalid_phone_number');
    expect(error.message).toMatch(/LV/);
    expect(rejection('123', 'LV').message).toBe('123 is too short for LV');
  });
});

describe('normalizePhone: rejections', () => {
  it('throws AppError invalid_phone_number', () => {
    const error = rejection('+3712');
    expect(error.code).toBe('invalid_phone_number');
    expect(error.message).toBe('+3712 is too short');
  });

  it.each([
    ['+37', 'is too short'],
    ['+3712123456', 'is too short for LV'],
    ['+371212345678901', 'is too long for LV'],
    ['+37121234567890123', 'is too long for LV'],
    ['+1 456 555 0123', 'is not a valid, assignable number'],
    ['+1 700 555 0123', 'is not a valid, assignable number'],
    ['+44 7700 900123', 'is not a valid, assignable number'],
    ['+999123456', 'starts with an unknown country calling code'],
    ['+0 123 456 789', 'starts with an unknown country calling code'],
  ])('%s %s', (input, reason) => {
    expect(rejection(input).message).toBe(`${input} ${reason}`);
  });

  it.each(['', '   ', '\t\n'])('rejects the empty string %j', (input) => {
    expect(rejection(input).message).toBe('phone number is empty');
  });

  it.each([
    ['abc', 'abc contains letters'],
    ['+371 abc 21234567', '+371 abc 21234567 contains letters'],
    ['+447400123456 ext 12', '+447400123456 ext 12 contains letters'],
    ['+1 201 555 0123x5', '+1 201 555 0123x5 contains letters'],
    ['tel:+37121234567', 'tel:+37121234567 contains letters'],
    ['++37121234567', '++37121234567 has a + that is not at the start'],
    ['+371 2123+4567', '+371 2123+4567 has a + that is not at the start'],
    [
      '+371#21234567',
      '+371#21234567 contains characters other than digits, +, spaces, dashes, dots and parentheses',
    ],
    [
      '+371_21234567',
      '+371_21234567 contains characters other than digits, +, spaces, dashes, dots and parentheses',
    ],
    ['+', '+ has no digits'],
    ['()', '() has no digits'],
    ['- . -', '- . - has no digits'],
  ])('rejects %j', (input, reason) => {
    expect(rejection(input).message).toBe(reason);
  });

  it(`rejects input longer than ${MAX_PHONE_INPUT_LENGTH} characters without echoing all of it`, () => {
    const long = `+371 ${'2'.repeat(40)}`;
    const message = rejection(long).message;
    expect(message).toBe(`${long.slice(0, 20)}… is longer than 32 characters`);
    expect(rejection('1'.repeat(10_000)).message).toMatch(/is longer than 32 characters$/);
    // exactly 32 characters is still parsed; 33 is not
    const at32 = '+3 7 1 2 1 2 3 4 5 6 7'.padEnd(32, '-');
    expect(at32).toHaveLength(32);
    expect(normalizePhone(at32).e164).toBe('+37121234567');
    expect(rejection(`${at32}-`).message).toMatch(/is longer than 32 characters$/);
  });

  it('rejects non-string input from untyped callers', () => {
    expect(rejection(undefined as unknown as string).message).toBe('phone number must be a string');
    expect(tryNormalizePhone(37121234567 as unknown as string)).toEqual({
      ok: false,
      reason: 'phone number must be a string',
    });
  });

  it.each([
    ['+371 6700 0000', '+371 6700 0000 is a landline (fixed-line) number and cannot receive SMS'],
    ['+44 20 7946 0958', '+44 20 7946 0958 is a landline (fixed-line) number and cannot receive SMS'],
    ['+49 30 123456', '+49 30 123456 is a landline (fixed-line) number and cannot receive SMS'],
    ['+33 1 23 45 67 89', '+33 1 23 45 67 89 is a landline (fixed-line) number and cannot receive SMS'],
    ['+7 495 123 4567', '+7 495 123 4567 is a landline (fixed-line) number and cannot receive SMS'],
  ])('rejects the landline %s', (input, reason) => {
    expect(rejection(input).message).toBe(reason);
  });

  it('rejects a landline given in national format', () => {
    expect(rejection('6700 0000', 'LV').message).toBe(
      '6700 0000 is a landline (fixed-line) number and cannot receive SMS',
    );
  });

  it.each([
    ['+44 909 879 0000', 'is a premium-rate number and cannot receive SMS'],
    ['+1 900 555 0123', 'is a premium-rate number and cannot receive SMS'],
    ['+49 900 1234567', 'is a premium-rate number and cannot receive SMS'],
    ['+33 8 92 12 34 56', 'is a premium-rate number and cannot receive SMS'],
    ['+44 800 123 4567', 'is a toll-free number and cannot receive SMS'],
    ['+1 800 555 0123', 'is a toll-free number and cannot receive SMS'],
    ['+49 800 1234567', 'is a toll-free number and cannot receive SMS'],
    ['+49 180 1234567', 'is a shared-cost number and cannot receive SMS'],
    ['+33 8 10 12 34 56', 'is a shared-cost number and cannot receive SMS'],
  ])('rejects %s: %s', (input, reason) => {
    expect(rejection(input).message).toBe(`${input} ${reason}`);
  });

  it('rejects non-geographic numbers, which have no country to price', () => {
    expect(rejection('+870 773 111 632').message).toBe(
      '+870 773 111 632 is a non-geographic number (+870) and has no country',
    );
    expect(rejection('+882 1640 0000').message).toMatch(/non-geographic number \(\+882\)/);
    expect(rejection('+800 1234 5678').message).toBe(
      '+800 1234 5678 is a non-geographic number (+800) and has no country',
    );
  });
});

describe('tryNormalizePhone', () => {
  it('returns ok results without throwing', () => {
    expect(tryNormalizePhone('+37121234567')).toEqual({
      ok: true,
      e164: '+37121234567',
      country: 'LV',
      type: 'MOBILE',
    });
    expect(tryNormalizePhone('2123 4567', 'LV')).toMatchObject({ ok: true, e164: '+37121234567' });
  });

  it('returns the reason instead of throwing', () => {
    expect(tryNormalizePhone('+3712')).toEqual({ ok: false, reason: '+3712 is too short' });
    expect(tryNormalizePhone('')).toEqual({ ok: false, reason: 'phone number is empty' });
    expect(tryNormalizePhone('nope')).toEqual({ ok: false, reason: 'nope contains letters' });
  });

  it('gives the same answer from the cache, per default country', () => {
    const first = tryNormalizePhone('2123 4567', 'LV');
    expect(tryNormalizePhone('2123 4567', 'LV')).toBe(first);
    expect(tryNormalizePhone('2123 4567', 'lv')).toBe(first);
    expect(tryNormalizePhone('2123 4567').ok).toBe(false);
    expect(tryNormalizePhone('2123 4567', 'EE').ok).toBe(false);
    expect(tryNormalizePhone('2123 4567', 'LV')).toBe(first);
  });

  it('hands out results that cannot be mutated into the cache', () => {
    const result = tryNormalizePhone('+37121234567');
    expect(Object.isFrozen(result)).toBe(true);
    const thrown = normalizePhone('+37121234567');
    thrown.e164 = 'changed';
    expect(normalizePhone('+37121234567').e164).toBe('+37121234567');
  });

  it('handles a bulk batch of mixed input', () => {
    const batch = ['+37121234567', 'garbage', '0044 7400 123456', '', '+44 20 7946 0958', '+14155550123'];
    const results = batch.map((input) => tryNormalizePhone(input));
    expect(results.map((r) => r.ok)).toEqual([true, false, true, false, false, true]);
  });

  it('evicts the least recently used entries past its bound of 50,000 and keeps working', () => {
    const first = tryNormalizePhone('+37121234567');
    const kept = tryNormalizePhone('+447400123456');
    for (let i = 0; i < 60_000; i++) {
      tryNormalizePhone(`+3712${String(i).padStart(7, '0')}`);
      if (i % 10_000 === 0) expect(tryNormalizePhone('+447400123456')).toBe(kept);
    }
    const again = tryNormalizePhone('+37121234567');
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
    expect(tryNormalizePhone('+447400123456')).toBe(kept);
  });
});

describe('countryOfE164', () => {
  it.each([
    ['+37121234567', 'LV'],
    ['+447400123456', 'GB'],
    ['+447624123456', 'IM'],
    ['+14155550123', 'US'],
    ['+16045550123', 'CA'],
    ['+4930123456', 'DE'],
    ['+79161234567', 'RU'],
    ['+77011234567', 'KZ'],
  ])('%s → %s', (e164, country) => {
    expect(countryOfE164(e164)).toBe(country);
  });

  it.each([
    '37121234567',
    '+371 2123 4567',
    '0037121234567',
    '',
    '+',
    '+0123456',
    '+999123456',
    '+870773111632',
    '+1234567890123456',
  ])('returns null for %j', (input) => {
    expect(countryOfE164(input)).toBeNull();
  });

  it('returns null for untyped garbage', () => {
    expect(countryOfE164(null as unknown as string)).toBeNull();
  });
});

describe('SMS_CAPABLE_TYPES', () => {
  it('is the documented set', () => {
    expect([...SMS_CAPABLE_TYPES].sort()).toEqual(
      ['FIXED_LINE_OR_MOBILE', 'MOBILE', 'PAGER', 'PERSONAL_NUMBER', 'UAN', 'VOIP'].sort(),
    );
  });
});
