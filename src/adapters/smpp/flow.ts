/** Small flow-control structures of the SMPP route. */

/**
 * At most `limit` submits in any `windowMs` interval *as the SMSC receives them*. A new submit may start only
 * once the one `limit` starts back has been answered (or given up on) at least `windowMs` ago: the SMSC received
 * that one before answering it, and receives the new one after it is sent, so the two arrivals are at least
 * `windowMs` apart whatever the network or scheduling delays. Counting send times instead would let jitter
 * squeeze more than `limit` arrivals into one second on the SMSC's side, and a token bucket with a burst of N
 * allows up to 2N−1 in a second even at the sender. The cost is one round trip per window.
 */
export class SlidingWindowLimiter {
  /** When the submit holding each slot was settled: NaN while it is unanswered, −∞ for a slot never used. */
  private readonly settledAt: Float64Array;
  private next = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {
    this.settledAt = new Float64Array(limit).fill(Number.NEGATIVE_INFINITY);
  }

  /** Milliseconds until the next start is allowed: 0 = now, Infinity = when an answer comes in. */
  delay(now: number): number {
    const settled = this.settledAt[this.next]!;
    if (Number.isNaN(settled)) return Number.POSITIVE_INFINITY;
    return Math.max(settled + this.windowMs - now, 0);
  }

  /** Takes the next slot for a submit being sent; pass it to {@link settle} once it is answered or failed. */
  start(): number {
    const slot = this.next;
    this.settledAt[slot] = Number.NaN;
    this.next = (this.next + 1) % this.limit;
    return slot;
  }

  settle(slot: number, now: number): void {
    this.settledAt[slot] = now;
  }
}

/** A FIFO with O(1) push and shift (Array#shift is O(n) on large arrays). */
export class Deque<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head++;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Removes and returns everything. */
  drain(): T[] {
    const rest = this.items.slice(this.head) as T[];
    this.items = [];
    this.head = 0;
    return rest;
  }
}
