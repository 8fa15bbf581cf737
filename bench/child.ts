// A benchmark process of ours: forked, asked one thing at a time over IPC, and killed at the end.
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export class Child {
  readonly #process: ChildProcess;
  readonly #ready: Promise<Record<string, unknown>>;

  constructor(script: string, name: string) {
    this.#process = fork(fileURLToPath(new URL(script, import.meta.url)), [name], {
      execArgv: ['--import', 'tsx', '--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#ready = this.#next();
    // A child stopped before it was ever asked is not an error.
    this.#ready.catch(() => {});
  }

  /** The first message the child sends (its port, or that it is ready). */
  ready(): Promise<Record<string, unknown>> {
    return this.#ready;
  }

  async ask<T>(message: object): Promise<T> {
    await this.#ready;
    const reply = this.#next();
    this.#process.send(message);
    return (await reply) as T;
  }

  stop(): void {
    this.#process.kill();
  }

  #next(): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`benchmark child exited with ${code}`));
      this.#process.once('exit', onExit);
      this.#process.once('message', (message) => {
        this.#process.off('exit', onExit);
        resolve(message as Record<string, unknown>);
      });
    });
  }
}
