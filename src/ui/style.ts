import { createHash } from 'node:crypto';

/** The page's only style: inline in one `<style>` element, allowed by its hash in the CSP. */
export const STYLE = `
:root{color-scheme:light dark;--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--line:#8884}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif}
main{max-width:1400px;margin:0 auto;padding:16px}
h1{font-size:1.4rem;margin:.2rem 0 1rem}h2{font-size:1.1rem;margin:1.6rem 0 .5rem}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600}
.state{font-weight:700;white-space:nowrap}
.ok{color:var(--ok)}.warn{color:var(--warn)}.bad{color:var(--bad)}
.msg{overflow-wrap:anywhere}
.strip{display:flex;flex-wrap:wrap;gap:2px;margin:0;padding:0;list-style:none;min-width:9em}
.c{position:relative;display:inline-block;width:1.05em;text-align:center;font-size:.8rem;line-height:1.3;border-radius:2px;outline-offset:1px;cursor:default}
.c.ok{background:#1a7f3722}.c.warn{background:#9a670033}.c.bad{background:#cf222e33}
.c:hover::after,.c:focus::after{content:attr(aria-label);position:absolute;z-index:1;left:0;top:1.6em;width:max-content;max-width:28em;white-space:normal;text-align:left;padding:4px 6px;border:1px solid var(--line);background:Canvas;color:CanvasText;font-weight:400}
.recent{display:flex;flex-wrap:wrap;gap:8px;align-items:center}
.facts{display:flex;flex-wrap:wrap;gap:4px 24px;margin:0;padding:0;list-style:none}
.muted{opacity:.75}
a{color:inherit}
@media (max-width:700px){
  thead{position:absolute;left:-9999px}
  tr{display:block;border-bottom:2px solid var(--line);padding:4px 0}
  td{display:flex;gap:12px;border:0;padding:3px 4px}
  td::before{content:attr(data-label);font-weight:600;min-width:8.5em;flex:none}
}
`;

/** The Content-Security-Policy of the page: nothing but that one style, no script at all. */
export const PAGE_CSP =
  `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; ` +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
