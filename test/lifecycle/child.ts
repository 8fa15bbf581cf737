import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The fixture app in a child process of its own, so that signals are real. */
export interface ChildApp {
  readonly child: ChildProcess;
  readonly port: number;
  /** Everything it printed so far. */
  output(): string;
  /** Resolves with how it exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

const fixture = fileURLToPath(new URL('./fixtures/server.ts', import.meta.url));

export async function startApp(options: object): Promise<ChildApp> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    env: { ...process.env, SHUTDOWN_OPTIONS: JSON.stringify(options), KUBERNETES_SERVICE_HOST: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: performance.now() })),
  );
  const port = await new Promise<number>((resolve, reject) => {
    const poll = setInterval(() => {
      const match = /port (\d+)/.exec(out);
      if (match) {
        clearInterval(poll);
        resolve(Number(match[1]));
      }
    }, 10);
    void exited.then(() => {
      clearInterval(poll);
      reject(new Error(`the app exited before listening: ${out}`));
    });
  });
  return { child, port, output: () => out, exited };
}
