// In-process figures: each group in a child process of its own, which interleaves its variants.
import { Child } from './child.js';
import type { MemoryFigures } from './inprocess.js';

export interface InProcessResults {
  /** Median ns per request, by group and variant. */
  ns: Record<string, Record<string, number>>;
  memory: MemoryFigures;
}

export async function runInProcess(groups: Record<string, { rounds: number; n: number }>): Promise<InProcessResults> {
  const ns: InProcessResults['ns'] = {};
  for (const [group, { rounds, n }] of Object.entries(groups)) {
    const child = new Child('./inprocess-child.ts', group);
    try {
      ns[group] = await child.ask<Record<string, number>>({ type: 'measure', rounds, n });
    } finally {
      child.stop();
    }
  }
  const child = new Child('./inprocess-child.ts', 'memory');
  try {
    return { ns, memory: await child.ask<MemoryFigures>({ type: 'memory', requests: 1_000_000 }) };
  } finally {
    child.stop();
  }
}
