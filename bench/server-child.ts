// Runs one app of apps.ts on 127.0.0.1 and a free port, in its own process, for the HTTP benchmark.
import type { AddressInfo } from 'node:net';
import { httpApps, runs } from './apps.js';
import { median } from './stats.js';

const name = process.argv[2] ?? '';
const make = httpApps[name];
if (!make || !process.send) throw new Error(`usage: forked with one of: ${Object.keys(httpApps).join(', ')}`);
runs.recording = true;
const server = make();
// Latency as the server sees it (arrival to last byte written), to tell the server's time from the client's.
let latencies: number[] = [];
let finished: number[] = [];
server.prependListener('request', (_req, res) => {
  const arrived = performance.now();
  const end = res.end;
  // The answer's last byte is with the kernel when res.end() returns with nothing left in the socket's buffer;
  // Node emits 'finish' later, after every other answer written in the same tick (a shared run's burst).
  res.end = function (this: typeof res, ...args: Parameters<typeof end>) {
    const result = end.apply(this, args);
    if (res.socket?.writableLength === 0) latencies.push(performance.now() - arrived);
    else res.once('finish', () => latencies.push(performance.now() - arrived));
    return result;
  } as typeof end;
  res.once('finish', () => finished.push(performance.now() - arrived));
});
server.listen(0, '127.0.0.1', () => {
  process.send!({ port: (server.address() as AddressInfo).port });
});
process.on('message', (message: { type: string }) => {
  if (message.type === 'runs') {
    process.send!({
      checks: runs.count,
      durations: runs.durations,
      p50: latencies.length ? median(latencies) : 0,
      finishP50: finished.length ? median(finished) : 0,
    });
    finished = [];
    runs.count = 0;
    runs.durations = [];
    latencies = [];
  }
});
// The parent going away ends this server too.
process.on('disconnect', () => process.exit(0));
