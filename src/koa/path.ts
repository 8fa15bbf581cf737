const SLASH = 0x2f;

/**
 * Whether a request is surely for a path outside `prefix`, judged on the raw URL before Koa parses it:
 * the one compare every other request of the app pays. An absolute-form URL (`GET http://host/health`)
 * is not judged here; the parsed path decides.
 */
export function outside(url: string | undefined, prefix: string): boolean {
  return url !== undefined && url.charCodeAt(0) === SLASH && !url.startsWith(prefix);
}
