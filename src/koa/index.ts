/**
 * The Koa side: `health()` and everything request-shaped. `options` checks the options once,
 * `endpoint` answers a request step by step, `parameters` reads the query and the body, `access`
 * guards with the secret and decides who sees details, `maintenance` looks for the disable file,
 * `answer` writes every answer (and turns other paths away), `parts` is what the endpoint, the probes and
 * the status page share, `probes` answers Kubernetes' probes and `status-page` the page.
 * @module
 */

export { type Authorizer, authorizer, type DetailsLevel, Refusals, type Secret } from './access.js';
export { outside, replyError, replyText, setHeader } from './answer.js';
export { health } from './middleware.js';
export type { HealthMiddleware, HealthOptions, StateHeaders } from './options.js';
export { checkedQuerystring, textParameter } from './parameters.js';
export { validPath } from './validate.js';
