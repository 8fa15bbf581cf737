// One in-process variant in a process of its own, so that no other app's shapes share its JIT state.
// The parent asks for blocks in turn; only one child runs at a time.
import { inProcessVariants, memory, type Runner } from './inprocess.js';

const name = process.argv[2] ?? '';
const make = inProcessVariants()[name];
if (!make || !process.send) throw new Error(`usage: forked with one of: ${Object.keys(inProcessVariants()).join(', ')}`);
const run: Runner = make();

process.on('message', (message: { type: 'block'; n: number } | { type: 'memory'; requests: number }) => {
  const work = message.type === 'block' ? run(message.n).then((ns) => ({ ns })) : memory(run, message.requests);
  void work.then((reply) => process.send!(reply));
});
process.on('disconnect', () => process.exit(0));
process.send({ ready: true });
