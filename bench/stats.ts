// The statistics of the benchmarks: medians, and comparisons made round by round.

/** Samples by variant; index i of every variant is the same round, so rounds can be compared pairwise. */
export type Samples = Record<string, number[]>;

/** The median over rounds of `compare(variant, base)`, each pair measured side by side: drift between rounds cancels. */
export function paired(
  samples: Samples,
  variant: string,
  base: string,
  compare: (variant: number, base: number) => number,
): number {
  return median(pairs(samples, variant, base, compare));
}

/** The middle value (the mean of the two middle values for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Each round's `compare(variant, base)`, in round order: what `paired()` takes the median of. */
export function pairs(
  samples: Samples,
  variant: string,
  base: string,
  compare: (variant: number, base: number) => number,
): number[] {
  const bases = samples[base]!;
  return samples[variant]!.map((value, round) => compare(value, bases[round]!));
}

/** `value (lowest–highest)`: a median printed with the spread of what it is the median of. */
export function withSpread(value: number, values: number[], format: (value: number) => string): string {
  return `${format(value)} (${format(Math.min(...values))}–${format(Math.max(...values))})`;
}
