/**
 * Events counted per second over the last 60 seconds, in constant memory and time: route health
 * (`sentLastMinute`, `errorsLastMinute`) is read while thousands of messages a second are counted.
 */
export class MinuteCounter {
  private readonly counts = new Uint32Array(60);
  private readonly seconds = new Float64Array(60).fill(-1);

  add(now: number, n = 1): void {
    const second = Math.floor(now / 1000);
    const slot = second % 60;
    if (this.seconds[slot] !== second) {
      this.seconds[slot] = second;
      this.counts[slot] = 0;
    }
    this.counts[slot] = this.counts[slot]! + n;
  }

  total(now: number): number {
    const second = Math.floor(now / 1000);
    let sum = 0;
    for (let slot = 0; slot < 60; slot++) {
      const at = this.seconds[slot]!;
      if (at > second - 60 && at <= second) sum += this.counts[slot]!;
    }
    return sum;
  }
}
