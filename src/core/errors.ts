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
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A selection that names no real check, or names one badly: answered with 400. */
export class SelectionError extends HealthError {
  override name = 'SelectionError';
  /** The names that did report, to help the caller. */
  readonly known: readonly string[];
  /** The message without the known names, for a caller who may not see them. */
  readonly brief: string;

  /**
   * @param message what is wrong, with the known names if any
   * @param known the names that did report
   * @param brief the message without the known names
   * @default brief the message
   */
  constructor(message: string, known: readonly string[] = [], brief = message) {
    super(400, message);
    this.known = known;
    this.brief = brief;
  }
}

/** A request the endpoint cannot answer as asked (a bad parameter or body): a 4xx with a short message. */
export class RequestError extends HealthError {
  override name = 'RequestError';
}
