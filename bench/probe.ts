// The probe CLI's wall time against a local server, beside `node -e 0` and the request alone.
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { median } from './stats.js';

const probe = fileURLToPath(new URL('../dist/cli/probe.js', import.meta.url));

/** Medians in ms: `node -e 0`, one request from this process, and the probe; rounds interleaved. */
export async function measureProbe(
  rounds = 15,
): Promise<{ node: number; request: number; probe: number; ratio: number }> {
  // The server in a process of its own, so that this one can block on each child.
  const server = createServer((_req, res) => res.end('OK'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health/ready`;
  const time = (args: string[]): Promise<number> =>
    new Promise((resolve, reject) => {
      const started = performance.now();
      import('node:child_process').then(({ execFile }) =>
        execFile(process.execPath, args, (error) => (error ? reject(error) : resolve(performance.now() - started))),
      );
    });
  const samples = { node: [] as number[], request: [] as number[], probe: [] as number[] };
  execFileSync(process.execPath, ['-e', '0']);
  for (let round = 0; round < rounds; round++) {
    samples.node.push(await time(['-e', '0']));
    const started = performance.now();
    await fetch(url).then((res) => res.text());
    samples.request.push(performance.now() - started);
    samples.probe.push(await time([probe, url, '--quiet']));
  }
  server.close();
  const [node, request, probeMs] = [median(samples.node), median(samples.request), median(samples.probe)];
  return { node, request, probe: probeMs, ratio: probeMs / (node + request) };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await measureProbe());
