/**
 * The command-line tools. `probe.ts` is `koa-health-probe`, the package's `bin`: a HEALTHCHECK for images
 * that have no curl. It imports nothing of koa-health, so that it starts as fast as Node can.
 * @module
 */
export {};
