import { describe, expect, it } from 'vitest';
import { csvCell, csvRow, neutralizeCsvCell, unguardCsvCell } from '../../src/modules/contacts';

describe('CSV formula-injection neutralisation', () => {
  it.each([
    ['=HYPERLINK("http://evil","x")', `'=HYPERLINK("http://evil","x")`],
    ['+37121234567', `'+37121234567`],
    ['-2+3', `'-2+3`],
    ['@SUM(A1)', `'@SUM(A1)`],
    ['\t=1+1', `'\t=1+1`],
    ['\r=1+1', `'\r=1+1`],
  ])('prefixes %j with a quote', (input, expected) => {
    expect(neutralizeCsvCell(input)).toBe(expected);
  });

  it.each(['Ada', '', 'a=b', 'x+1', "'already", ' =1', '12'])('leaves %j alone', (input) => {
    expect(neutralizeCsvCell(input)).toBe(input);
  });

  it('quotes cells with delimiters, quotes and line breaks, after neutralising', () => {
    expect(csvCell('Lovelace, Ada')).toBe('"Lovelace, Ada"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
    expect(csvCell('=1,2')).toBe(`"'=1,2"`);
    expect(csvCell('\r\n')).toBe(`"'\r\n"`);
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(-5)).toBe("'-5");
    expect(csvCell(true)).toBe('true');
  });

  it('builds CRLF-terminated rows', () => {
    expect(csvRow(['id', '+4915123456789', 'Ada', null])).toBe("id,'+4915123456789,Ada,\r\n");
  });

  it.each([
    '=HYPERLINK("http://evil","x")',
    '+37121234567',
    '-2+3',
    '@SUM(A1)',
    '\t=1+1',
    '\r=1+1',
    'Ada',
    '',
  ])('unguarding the neutralised %j gives it back', (input) => {
    expect(unguardCsvCell(neutralizeCsvCell(input))).toBe(input);
  });

  it.each(["'already", "'", "'Ada", "''+1", "O'Brien"])('keeps a quote no guard put there: %j', (input) => {
    expect(unguardCsvCell(input)).toBe(input);
  });
});
