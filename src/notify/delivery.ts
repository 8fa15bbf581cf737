/**
 * Sending `notify()`'s messages to one receiver: a bounded queue (the oldest dropped when full, and the next
 * message says how many), one send at a time, each with a deadline, retried with backoff on a 5xx, a
 * timeout or a network error. A receiver's outage is logged once, when it begins, and once when it ends.
 * The URL is a secret: no line, error or message here ever holds it.
 * @module
 */
import type { HealthLogger } from '../core/index.js';
import type { Delivered, Message } from './messages.js';

/** How one receiver is reached, and what it is sent. */
export interface ReceiverSettings {
  /** What the log lines call it: `webhook` or `slack`. */
  readonly name: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Writes a message as the receiver reads it. */
  readonly write: (message: Message, delivered: Delivered) => string;
  /** The facts a receiver adds to each message, read when it is written. */
  readonly service: () => Delivered['service'];
  readonly queueSize: number;
  /** The deadline of one send, in ms. */
  readonly timeout: number;
  /** Sends of one message in all, the first included. */
  readonly tries: number;
  /** The wait before the second try, in ms; doubled before each next one. */
  readonly retryDelay: number;
  readonly logger: HealthLogger;
}

/** Why a send failed, in words that hold nothing of the URL. */
class SendFailure extends Error {
  constructor(
    message: string,
    readonly retry: boolean,
  ) {
    super(message);
  }
}

/** One receiver's queue and its one sender. */
export class Receiver {
  readonly #settings: ReceiverSettings;
  readonly #queue: Message[] = [];
  #dropped = 0;
  #sending: Promise<void> | undefined;
  #down: { since: number; lost: number } | undefined;
  #closing = false;
  // Aborts the send in flight, and the wait between tries, when close() runs out of time.
  readonly #abort = new AbortController();

  constructor(settings: ReceiverSettings) {
    this.#settings = settings;
  }

  /** Queues a message; when the queue is full, the oldest is dropped and counted. Never waits. */
  enqueue(message: Message): void {
    if (this.#abort.signal.aborted) return;
    if (this.#queue.length >= this.#settings.queueSize) {
      this.#queue.shift();
      this.#dropped++;
    }
    this.#queue.push(message);
    this.#sending ??= this.#sendAll().finally(() => {
      this.#sending = undefined;
    });
  }

  /** Resolves once the queue is sent (or given up), or at `deadline`, when what is left is abandoned. */
  async close(deadline: number): Promise<void> {
    this.#closing = true;
    const sending = this.#sending;
    if (sending !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
      });
      await Promise.race([sending, late]);
      clearTimeout(timer);
    }
    this.#abort.abort();
    this.#queue.length = 0;
  }

  async #sendAll(): Promise<void> {
    for (let message = this.#queue.shift(); message !== undefined; message = this.#queue.shift()) {
      const dropped = this.#dropped;
      this.#dropped = 0;
      let body: string;
      try {
        body = this.#settings.write(message, { service: this.#settings.service(), dropped });
      } catch {
        // Our own writer failed: nothing the receiver could fix; said once like an outage.
        this.#failed('the message could not be written');
        continue;
      }
      try {
        await this.#deliver(body);
        this.#answered();
      } catch (error) {
        if (this.#abort.signal.aborted) return;
        this.#failed(error instanceof SendFailure ? error.message : 'the send failed');
      }
    }
  }

  /** Sends one body, trying again after a 5xx, a timeout or a network error. */
  async #deliver(body: string): Promise<void> {
    const { tries, retryDelay } = this.#settings;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#send(body);
        return;
      } catch (error) {
        const retry = !(error instanceof SendFailure) || error.retry;
        // Closing: what is left gets one try, not the backoff.
        if (!retry || attempt >= tries || this.#closing || this.#abort.signal.aborted) throw error;
        await this.#wait(retryDelay * 2 ** (attempt - 1));
      }
    }
  }

  async #send(body: string): Promise<void> {
    const { url, headers, timeout } = this.#settings;
    const deadline = new AbortController();
    const stop = () => deadline.abort();
    const timer = setTimeout(stop, timeout);
    this.#abort.signal.addEventListener('abort', stop, { once: true });
    try {
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body,
          redirect: 'error',
          signal: deadline.signal,
        });
      } catch (error) {
        throw new SendFailure(deadline.signal.aborted ? `no answer within ${timeout} ms` : networkError(error), true);
      }
      // The body is not read: a receiver that never ends it must not hold the queue.
      void response.body?.cancel().catch(() => {});
      if (response.ok) return;
      const retry = response.status >= 500 || response.status === 408 || response.status === 429;
      throw new SendFailure(`HTTP ${response.status}`, retry);
    } finally {
      clearTimeout(timer);
      this.#abort.signal.removeEventListener('abort', stop);
    }
  }

  #wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const signal = this.#abort.signal;
      function done(): void {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** A message was lost: the first loss of an outage is logged, the rest counted. */
  #failed(why: string): void {
    const { name, logger } = this.#settings;
    if (this.#down !== undefined) {
      this.#down.lost++;
      return;
    }
    this.#down = { since: Date.now(), lost: 1 };
    logger.warn(
      `koa-health notify: the ${name} receiver failed (${why}); a message was lost, and further failures are not logged until it answers again`,
      { receiver: name, error: why },
    );
  }

  #answered(): void {
    if (this.#down === undefined) return;
    const { name, logger } = this.#settings;
    const { since, lost } = this.#down;
    this.#down = undefined;
    logger.info(
      `koa-health notify: the ${name} receiver answers again (${lost} messages lost since ${new Date(since).toISOString()})`,
      {
        receiver: name,
        lost,
      },
    );
  }
}

/** What a failed fetch says, without its URL: the code of its cause (`ECONNREFUSED`), or only that it failed. */
function networkError(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause;
  const code = typeof cause?.code === 'string' && /^[A-Z_]{2,40}$/.test(cause.code) ? cause.code : undefined;
  return code === undefined ? 'network error' : `network error ${code}`;
}
