// In-process figures: each group in a child process of its own, which interleaves its variants.
import { Child } from './child.js';
import type { MemoryFigures } from './inprocess.js';
import type { Samples } from './stats.js';

export interface InProcessResults {
  /** ns per request by group and variant, one sample per round (rounds of all processes in a row). */
  samples: Record<string, Samples>;
  /** The same, process by process: where V8 laid out the chain moves a whole process's figures. */
  byProcess: Record<string, Samples[]>;
  memory: MemoryFigures;
}

/**
 * Each group in `processes` fresh processes one after the other: where V8 lays out and optimizes the chain
 * moves a whole process's figures by tens of ns, so one process is one sample of that luck.
 */
export async function runInProcess(
  groups: Record<string, { rounds: number; n: number; processes: number }>,
): Promise<InProcessResults> {
  const samples: InProcessResults['samples'] = {};
  const byProcess: InProcessResults['byProcess'] = {};
  for (const [group, { rounds, n, processes }] of Object.entries(groups)) {
    for (let i = 0; i < processes; i++) {
      const child = new Child('./inprocess-child.ts', group);
      try {
        const measured = await child.ask<Samples>({ type: 'measure', rounds, n });
        (byProcess[group] ??= []).push(measured);
        const pooled = (samples[group] ??= {});
        for (const [variant, values] of Object.entries(measured)) (pooled[variant] ??= []).push(...values);
      } finally {
        child.stop();
      }
    }
  }
  const child = new Child('./inprocess-child.ts', 'memory');
  try {
    return { samples, byProcess, memory: await child.ask<MemoryFigures>({ type: 'memory', requests: 1_000_000 }) };
  } finally {
    child.stop();
  }
}
