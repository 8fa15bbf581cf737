// One in-process group in a process of its own: its variants interleaved A B C C B A ..., medians sent back.
import { inProcessGroups, interleaved, memory } from './inprocess.js';

const group = process.argv[2] ?? '';
const variants = inProcessGroups()[group];
if (!variants || !process.send)
  throw new Error(`usage: forked with one of: ${Object.keys(inProcessGroups()).join(', ')}`);
const runners = Object.fromEntries(Object.entries(variants).map(([name, make]) => [name, make()]));

process.on(
  'message',
  (message: { type: 'measure'; rounds: number; n: number } | { type: 'memory'; requests: number }) => {
    const work =
      message.type === 'measure'
        ? interleaved(runners, message.rounds, message.n)
        : memory(Object.values(runners)[0]!, message.requests);
    void work.then((reply) => process.send!(reply));
  },
);
process.on('disconnect', () => process.exit(0));
process.send({ ready: true });
