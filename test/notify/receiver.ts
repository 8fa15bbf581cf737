import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a receiver got. */
export interface Received {
  readonly at: number;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** How the receiver answers: 200, a status, after a delay, or never. */
export type Behaviour = { status: number; delay?: number } | 'never';

/** A local HTTP receiver on 127.0.0.1, port 0: keeps what it got, answers as told. */
export interface TestReceiver {
  readonly url: string;
  readonly received: Received[];
  behaviour: Behaviour;
  /** The JSON bodies received. */
  json<T = Record<string, unknown>>(): T[];
  /** Resolves once `count` requests have arrived (fails after `timeout` ms). */
  waitFor(count: number, timeout?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(path = '/hook'): Promise<TestReceiver> {
  const received: Received[] = [];
  const hanging = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        at: Date.now(),
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      const behaviour = receiver.behaviour;
      if (behaviour === 'never') {
        hanging.add(res);
        return;
      }
      setTimeout(() => {
        res.statusCode = behaviour.status;
        res.end('ok');
      }, behaviour.delay ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const receiver: TestReceiver = {
    url: `http://127.0.0.1:${port}${path}`,
    received,
    behaviour: { status: 200 },
    json: <T>() => received.map(({ body }) => JSON.parse(body) as T),
    async waitFor(count, timeout = 5000) {
      const until = Date.now() + timeout;
      while (received.length < count) {
        if (Date.now() > until) throw new Error(`the receiver got ${received.length} requests, not ${count}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return receiver;
}

/** A URL where nothing listens: a port bound a moment and let go. */
export async function deadUrl(path = '/hook'): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}${path}`;
}
