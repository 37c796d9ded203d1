import { describe, expect, it } from 'vitest';
import { chunks, itemsPerStatement } from '../../src/storage/chunk';

describe('chunks', () => {
  it('cuts a list into consecutive slices, the last one shorter', () => {
    expect(chunks([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunks([1, 2, 3, 4], 2)).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(chunks([], 500)).toEqual([]);
  });

  it('refuses a size that would never advance', () => {
    expect(() => chunks([1], 0)).toThrow(RangeError);
    expect(() => chunks([1], Number.NaN)).toThrow(RangeError);
  });
});

describe('itemsPerStatement', () => {
  it('fits rows of bound columns under the dialect parameter limit, capped', () => {
    // SQLite's limit (32766) and PostgreSQL's (65535) with 15 columns a row
    expect(itemsPerStatement(32766, 15)).toBe(2184);
    expect(itemsPerStatement(65535, 15, { cap: 500 })).toBe(500);
    expect(itemsPerStatement(999, 1, { reserved: 10 })).toBe(989);
    expect(itemsPerStatement(10, 15)).toBe(1);
  });
});
