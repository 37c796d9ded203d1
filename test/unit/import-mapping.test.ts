import { describe, expect, it } from 'vitest';
import { guessMapping, headerKey, isImportTarget } from '../../src/modules/contacts/imports/mapping';
import { PhoneRows } from '../../src/modules/contacts/imports/phone-rows';
import { detectDelimiter, sniffHead } from '../../src/modules/contacts/imports/sniff';
import { parseDate, parseNumber } from '../../src/modules/contacts/imports/validate';

describe('import column mapping', () => {
  it.each([
    ['Phone', 'phone'],
    ['Mobile', 'phone'],
    ['Tel.', 'phone'],
    ['Telefonnummer', 'phone'],
    ['Handy', 'phone'],
    ['MSISDN', 'phone'],
    ['Mobile phone (work)', 'phone'],
    ['First name', 'firstName'],
    ['first_name', 'firstName'],
    ['Vorname', 'firstName'],
    ['Prénom', 'firstName'],
    ['Vārds', 'firstName'],
    ['Last Name', 'lastName'],
    ['Nachname', 'lastName'],
    ['Surname', 'lastName'],
    ['Uzvārds', 'lastName'],
    ['E-mail', 'email'],
    ['Email Address', 'email'],
    ['e_mail', 'email'],
    ['Primary e-mail', 'email'],
    ['Country', 'country'],
    ['Address', 'address'],
    ['Tags', 'tags'],
    ['groups', 'groups'],
    ['Gruppen', 'groups'],
  ])('"%s" → %s', (header, target) => {
    expect(guessMapping([header])).toEqual({ [header]: target });
  });

  it('maps each target once, prefers exact headers over loose ones, and leaves unknown columns out', () => {
    expect(guessMapping(['Mobile phone (work)', 'Phone', 'Notes', 'Phone 2', 'Name'])).toEqual({
      Phone: 'phone',
      Name: 'firstName',
    });
  });

  it('matches custom fields by key or label', () => {
    expect(
      guessMapping(
        ['Birthday', 'loyalty_level', 'Other'],
        [
          { key: 'birthday', label: 'Date of birth' },
          { key: 'loyalty_level', label: 'Loyalty' },
        ],
      ),
    ).toEqual({ Birthday: 'fields.birthday', loyalty_level: 'fields.loyalty_level' });
    expect(guessMapping(['Date of birth'], [{ key: 'dob', label: 'Date of birth' }])).toEqual({
      'Date of birth': 'fields.dob',
    });
  });

  it("maps the contacts export's own header row back, leaving ids and timestamps out", () => {
    const exported =
      'id,phone,firstName,lastName,email,country,address,avatarUrl,tags,groupIds,groups,createdAt,updatedAt,fields.score'.split(
        ',',
      );
    expect(guessMapping(exported, [{ key: 'score', label: 'Score' }])).toEqual({
      phone: 'phone',
      firstName: 'firstName',
      lastName: 'lastName',
      email: 'email',
      country: 'country',
      address: 'address',
      tags: 'tags',
      groups: 'groups',
      'fields.score': 'fields.score',
    });
  });

  it('compares headers without case, accents, spaces or punctuation', () => {
    expect(headerKey(' E-Mail: ')).toBe('email');
    expect(headerKey('Prénom')).toBe('prenom');
    expect(isImportTarget('fields.score')).toBe(true);
    expect(isImportTarget('fields.Bad-Key')).toBe(false);
    expect(isImportTarget('avatarUrl')).toBe(false);
  });
});

describe('import file sniffing and cell parsing', () => {
  it('detects the delimiter from the header line, ignoring quoted ones', () => {
    expect(detectDelimiter('a;b;c\r\n1,5;2;3')).toBe(';');
    expect(detectDelimiter('"a;b",c,d\n')).toBe(',');
    expect(detectDelimiter('a\tb\tc')).toBe('\t');
    expect(detectDelimiter('a|b')).toBe('|');
    expect(detectDelimiter('phone')).toBe(',');
  });

  it('tells CSV, XLSX and other files apart by content', () => {
    expect(sniffHead(Buffer.from('\ufeffphone;name\r\n'))).toBe('csv');
    expect(sniffHead(Buffer.from([0x50, 0x4b, 0x03, 0x04, 1, 2]))).toBe('xlsx');
    expect(() => sniffHead(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0]))).toThrow(/PNG/);
    expect(() => sniffHead(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0, 0]))).toThrow(/xls/);
    expect(() => sniffHead(Buffer.from('p\0h\0o\0n\0e\0'))).toThrow(/UTF-16/);
    expect(() => sniffHead(Buffer.from('M\xfcller', 'latin1'))).toThrow(/UTF-8/);
    // A multi-byte character cut at the end of the sniffed bytes is fine.
    expect(sniffHead(Buffer.from('phone,Jā', 'utf8').subarray(0, 8))).toBe('csv');
  });

  it('parses dates and numbers as people write them', () => {
    expect(parseDate('2024-05-17')).toBe('2024-05-17');
    expect(parseDate('17.05.2024')).toBe('2024-05-17');
    expect(parseDate('2023-02-30')).toBeNull();
    expect(parseDate('05/17/2024')).toBeNull();
    expect(parseNumber('12.5')).toBe(12.5);
    expect(parseNumber('12,5')).toBe(12.5);
    expect(parseNumber('1 234,5')).toBe(1234.5);
    expect(parseNumber('1,234.5')).toBe(1234.5);
    expect(parseNumber('1,234')).toBe(1234);
    expect(parseNumber('-3')).toBe(-3);
    expect(parseNumber('abc')).toBeNull();
    expect(parseNumber('1e9')).toBeNull();
  });
});

describe('the in-file duplicate table', () => {
  it('remembers the first row of each number through growth', () => {
    const table = new PhoneRows(8);
    for (let i = 0; i < 50_000; i++) table.set(37120000000 + i * 7919, i + 2);
    expect(table.size).toBe(50_000);
    expect(table.get(37120000000)).toBe(2);
    expect(table.get(37120000000 + 49_999 * 7919)).toBe(50_001);
    expect(table.get(37120000001)).toBeUndefined();
    expect(table.get(4915123456789)).toBeUndefined();
  });
});
