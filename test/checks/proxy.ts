import type { AddressInfo } from 'node:net';
import { connect, createServer, type Server, type Socket } from 'node:net';

/** How the proxy treats traffic: forward it, swallow it (accept, never answer), or refuse connections. */
export type Fault = 'none' | 'blackhole' | 'refuse';

/**
 * A TCP proxy of the tests' own between a driver and a real server, for making faults without touching
 * the server: refuse connections, black-hole them (accept and never answer), or cut the open ones.
 */
export class FaultProxy {
  readonly #server: Server;
  readonly #target: number;
  readonly #sockets = new Set<Socket>();
  #fault: Fault = 'none';
  #port = 0;
  /** Connections accepted so far. */
  accepted = 0;

  private constructor(target: number) {
    this.#target = target;
    this.#server = createServer((socket) => this.#accept(socket));
  }

  /** A proxy on 127.0.0.1, a port of its own, in front of `127.0.0.1:target`. */
  static async start(target: number): Promise<FaultProxy> {
    const proxy = new FaultProxy(target);
    await proxy.#listen(0);
    return proxy;
  }

  get port(): number {
    return this.#port;
  }

  /** Refuses new connections (the port is closed) and cuts the open ones. */
  async refuse(): Promise<void> {
    this.#fault = 'refuse';
    this.cut();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** Accepts, and never answers: new connections and open ones alike. */
  blackhole(): void {
    this.#fault = 'blackhole';
  }

  /** Destroys every open connection, both sides. */
  cut(): void {
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
  }

  /** Lifts the fault: connections held in the black hole are cut, the port listens again. */
  async restore(): Promise<void> {
    const refused = this.#fault === 'refuse';
    this.#fault = 'none';
    this.cut();
    if (refused) await this.#listen(this.#port);
  }

  async close(): Promise<void> {
    this.cut();
    if (this.#server.listening) await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, '127.0.0.1', () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    this.#port = (this.#server.address() as AddressInfo).port;
  }

  #accept(client: Socket): void {
    this.accepted++;
    const upstream = connect(this.#target, '127.0.0.1');
    for (const socket of [client, upstream]) {
      this.#sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        this.#sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    // Forwarded only while there is no fault: in the black hole, bytes go nowhere and nothing answers.
    client.on('data', (chunk: Buffer) => void (this.#fault === 'none' && upstream.write(chunk)));
    upstream.on('data', (chunk: Buffer) => void (this.#fault === 'none' && client.write(chunk)));
  }
}
