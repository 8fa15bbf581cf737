import { connect } from 'node:net';
import type { CheckFunction } from '../core/index.js';
import { argumentError } from './probe.js';

/**
 * Checks that something accepts TCP connections (RabbitMQ, SMTP, anything without a driver): connect, then
 * close. Refused, reset and unreachable fail with the error's code.
 * @throws {TypeError} for an empty host or a port outside 1 to 65535
 */
export function tcpCheck(host: string, port: number): CheckFunction {
  if (typeof host !== 'string' || host === '')
    throw argumentError('tcpCheck()', 'host', 'a host name or address', host);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw argumentError('tcpCheck()', 'port', 'a port from 1 to 65535', port);
  return (signal) =>
    new Promise<string>((resolve, reject) => {
      const started = performance.now();
      const socket = connect({ host, port, signal });
      socket.once('connect', () => {
        socket.destroy();
        resolve(`connected to ${host}:${port} in ${Math.round(performance.now() - started)} ms`);
      });
      socket.once('error', (error: NodeJS.ErrnoException) => {
        socket.destroy();
        reject(new Error(`${error.code ?? 'error'} connecting to ${host}:${port}`));
      });
    });
}
