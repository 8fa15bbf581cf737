/**
 * One family for every 4xx koa-health answers: the middleware answers a `HealthError` with its
 * `status` and `message`, and lets anything else pass through untouched.
 */
export class HealthError extends Error {
  override name = 'HealthError';

  /**
   * @param status the HTTP status the answer goes out with (4xx)
   * @param message a short text for the caller; it is sent as the body
   */
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** A selection that names no real check, or names one badly: answered with 400. */
export class SelectionError extends HealthError {
  override name = 'SelectionError';
  /** The names that did report, to help the caller. */
  readonly known: readonly string[];

  constructor(message: string, known: readonly string[] = []) {
    super(400, message);
    this.known = known;
  }
}

/** A request the endpoint cannot answer as asked (a bad parameter or body): a 4xx with a short message. */
export class RequestError extends HealthError {
  override name = 'RequestError';
}
