/**
 * The Koa side: `health()` and everything request-shaped. `options` checks the options once,
 * `endpoint` answers a request step by step, `parameters` reads the query and the body, `access`
 * guards with the secret and decides who sees details, `maintenance` looks for the disable file,
 * `path` turns other requests away, and `reply` writes headers and short answers.
 * @module
 */

export { type Authorizer, authorizer, type DetailsLevel, Refusals, type Secret } from './access.js';
export { health } from './middleware.js';
export type { HealthMiddleware, HealthOptions, StateHeaders } from './options.js';
export { outside } from './path.js';
export { replyText, setHeader } from './reply.js';
export { validPath } from './validate.js';
