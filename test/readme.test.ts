import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const root = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The README's ts code block that contains `marker`. */
function sample(marker: string): string {
  const block = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!).find((code) => code.includes(marker));
  if (block === undefined) throw new Error(`no ts sample in the README contains ${marker}`);
  return block;
}

describe('the README samples, run', () => {
  it('the SIGTERM sample lets the process exit on SIGTERM (a listener replaces the default exit)', async function () {
    this.timeout(20_000);
    const code = [
      "import Koa from 'koa';",
      "import { health } from 'koa-health';",
      'const app = new Koa();',
      sample("process.once('SIGTERM'").replace('app.listen(3000)', "app.listen(0, '127.0.0.1')"),
      "server.on('listening', () => console.log('listening'));",
    ].join('\n');
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('listening') && resolve());
      child.once('exit', () => reject(new Error('exited before listening')));
    });
    child.kill('SIGTERM');
    const exit = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.once('exit', (code, signal) => resolve([code, signal])));
    expect(exit).to.deep.equal([0, null]);
  });
});
