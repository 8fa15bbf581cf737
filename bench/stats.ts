// The statistics of the benchmarks: medians, and comparisons made round by round.

/** Samples by variant; index i of every variant is the same round, so rounds can be compared pairwise. */
export type Samples = Record<string, number[]>;

/** The median over rounds of `compare(variant, base)`, each pair measured side by side: drift between rounds cancels. */
export function paired(samples: Samples, variant: string, base: string, compare: (variant: number, base: number) => number): number {
  const bases = samples[base]!;
  return median(samples[variant]!.map((value, round) => compare(value, bases[round]!)));
}

/** The middle value (the mean of the two middle values for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
