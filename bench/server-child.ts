// Runs one app of apps.ts on 127.0.0.1 and a free port, in its own process, for the HTTP benchmark.
import type { AddressInfo } from 'node:net';
import { httpApps, runs } from './apps.js';

const name = process.argv[2] ?? '';
const make = httpApps[name];
if (!make || !process.send) throw new Error(`usage: forked with one of: ${Object.keys(httpApps).join(', ')}`);
runs.recording = true;
const server = make().listen(0, '127.0.0.1', () => {
  process.send!({ port: (server.address() as AddressInfo).port });
});
process.on('message', (message: { type: string }) => {
  if (message.type === 'runs') {
    process.send!({ checks: runs.count, durations: runs.durations });
    runs.count = 0;
    runs.durations = [];
  }
});
// The parent going away ends this server too.
process.on('disconnect', () => process.exit(0));
