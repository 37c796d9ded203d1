/** Credits are stored and computed as integer micro-credits so that sums are exact. */
export const MICRO = 1_000_000;

export function creditsToMicro(credits: number): number {
  return Math.round(credits * MICRO);
}

export function microToCredits(micro: number): number {
  return micro / MICRO;
}
