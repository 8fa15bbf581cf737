/**
 * The status page for people (`?format=html`, or a browser's `Accept`): `page` renders it from a plain
 * model, `style` holds its one stylesheet and the CSP that allows only that. It knows nothing of Koa: the
 * model is built in `koa/status-page.ts`.
 * @module
 */
export { esc, PAGE_CSP, type PageModel, type ProbeRow, renderPage } from './page.js';
