import { httpApps } from './apps.js';
const server = httpApps[process.argv[2]!]!().listen(Number(process.argv[3]), '127.0.0.1');
setTimeout(() => { server.close(); process.exit(0); }, Number(process.argv[4] ?? 9000));
