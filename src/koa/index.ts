/**
 * The Koa side: `health()` and everything request-shaped. `middleware` is `health()` and its endpoint's
 * steps, `options` checks the options once, `parameters` reads the query and the body, `access` builds the
 * secret's check, `maintenance` looks for the disable file, `answer` decides what an answer says and writes
 * it (and turns other paths away), `probes` answers Kubernetes' probes and `status-page` the page.
 * @module
 */

export { type Authorizer, authorizer, type DetailsLevel, type Secret } from './access.js';
export { outside, Refusals, replyError, replyText, setHeader } from './answer.js';
export { health } from './middleware.js';
export type { HealthMiddleware, HealthOptions, StateHeaders } from './options.js';
export { checkedQuerystring, textParameter } from './parameters.js';
export { validPath } from './validate.js';
