// A load of autocannon in a process of its own: the parent stays idle, so it sees the server's exit when it happens.
import autocannon from 'autocannon';

/** What the load came to: answers with status 200, and the errors by code. */
export interface LoadCounts {
  readonly completed: number;
  readonly errors: Record<string, number>;
}

if (!process.send) throw new Error('usage: forked by bench/shutdown.ts');
const errors: Record<string, number> = {};
let completed = 0;
let instance: autocannon.Instance | undefined;
let finished: Promise<void> | undefined;

process.on(
  'message',
  (message: { type: 'run'; url: string; connections: number; seconds: number } | { type: 'stop' }) => {
    if (message.type === 'run') {
      const { url, connections, seconds } = message;
      // With a callback, autocannon returns the instance, whose events count each answer and each error.
      let done!: () => void;
      finished = new Promise((resolve) => (done = resolve));
      const started = autocannon({ url, connections, duration: seconds }, () => done());
      instance = started;
      started.on('response', (_client: unknown, statusCode: number) => void (statusCode === 200 && completed++));
      started.on('reqError', (error: NodeJS.ErrnoException) => {
        const code = error.code ?? error.message;
        errors[code] = (errors[code] ?? 0) + 1;
      });
      process.send!({ started: true });
    } else {
      instance?.stop();
      void finished?.then(() => process.send!({ completed, errors } satisfies LoadCounts));
    }
  },
);
process.on('disconnect', () => process.exit(0));
process.send({ ready: true });
