// In-process figures: every variant in a child of its own, blocks interleaved A B C C B A ..., medians.
import { Child } from './child.js';
import { median, type MemoryFigures } from './inprocess.js';

export interface InProcessResults {
  ns: Record<string, number>;
  memory: MemoryFigures;
}

export async function runInProcess(groups: Record<string, { rounds: number; n: number; variants: string[] }>): Promise<InProcessResults> {
  const ns: Record<string, number> = {};
  for (const { rounds, n, variants } of Object.values(groups)) {
    const children = Object.fromEntries(variants.map((name) => [name, new Child('./inprocess-child.ts', name)]));
    try {
      const samples: Record<string, number[]> = Object.fromEntries(variants.map((name) => [name, []]));
      // Round -1 warms every child up and is not counted.
      for (let round = -1; round < rounds; round++) {
        for (const name of round % 2 === 0 ? variants : [...variants].reverse()) {
          const { ns: block } = await children[name]!.ask<{ ns: number }>({ type: 'block', n });
          if (round >= 0) samples[name]!.push(block);
        }
      }
      for (const name of variants) ns[name] = median(samples[name]!);
    } finally {
      for (const child of Object.values(children)) child.stop();
    }
  }
  const memoryChild = new Child('./inprocess-child.ts', 'memory');
  try {
    return { ns, memory: await memoryChild.ask<MemoryFigures>({ type: 'memory', requests: 1_000_000 }) };
  } finally {
    memoryChild.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await runInProcess({
    pass: { rounds: 15, n: 20_000, variants: ['pass bare chain', 'pass koa-health', 'pass hand-written', 'pass koa-simple-healthcheck'] },
    health: { rounds: 15, n: 20_000, variants: ['health hand-written', 'health koa-health', 'health koa-simple-healthcheck'] },
    checks: { rounds: 9, n: 5_000, variants: ['checks uncached', 'checks cached'] },
  }));
}
