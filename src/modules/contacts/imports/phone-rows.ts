/**
 * Phone number (E.164 digits as a number) → the file row it was first seen on, for the in-file duplicate
 * check. An open-addressing table in two typed arrays: a million numbers take 24 MB here against
 * ≈ 80 MB in a Map, which matters with the server's 256 MB heap. Sized up front from the expected
 * count when it is known, since growing holds the old and the new arrays at once.
 */
export class PhoneRows {
  private keys: Float64Array;
  private rows: Uint32Array;
  private count = 0;

  /** `expected`: numbers likely to be stored; the table then never grows for them. */
  constructor(expected = 1 << 15) {
    let capacity = 1 << 4;
    while (capacity < expected * 2) capacity *= 2;
    this.keys = new Float64Array(capacity);
    this.rows = new Uint32Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  private slot(keys: Float64Array, key: number): number {
    const mask = keys.length - 1;
    // Multiplicative mixing of the low and high halves; numbers in a file are often sequential.
    let i = (Math.imul((key % 4294967296) | 0, 0x9e3779b1) ^ Math.floor(key / 4294967296)) & mask;
    while (keys[i] !== 0 && keys[i] !== key) i = (i + 1) & mask;
    return i;
  }

  /** The row `key` was first seen on, or undefined. Keys must be positive. */
  get(key: number): number | undefined {
    const i = this.slot(this.keys, key);
    return this.keys[i] === key ? this.rows[i] : undefined;
  }

  set(key: number, row: number): void {
    if ((this.count + 1) * 2 > this.keys.length) this.grow();
    const i = this.slot(this.keys, key);
    if (this.keys[i] !== key) this.count++;
    this.keys[i] = key;
    this.rows[i] = row;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldRows = this.rows;
    this.keys = new Float64Array(oldKeys.length * 2);
    this.rows = new Uint32Array(oldKeys.length * 2);
    for (let j = 0; j < oldKeys.length; j++) {
      const key = oldKeys[j]!;
      if (key === 0) continue;
      const i = this.slot(this.keys, key);
      this.keys[i] = key;
      this.rows[i] = oldRows[j]!;
    }
  }
}
