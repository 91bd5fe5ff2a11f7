/**
 * Which stored URLs a page may render as links. Rows can come from a pulled DB written by another
 * machine, so a `javascript:` or `data:` URL there must never become an href.
 */

/**
 * The href for a stored URL: an absolute http(s) URL or a same-site path ("/logs/…"); null for
 * anything else (other schemes, protocol-relative "//host", control characters that browsers strip).
 */
export function safeHref(url: string | null | undefined): string | null {
  if (typeof url !== 'string' || url === '') return null;
  // Browsers drop tabs and newlines inside URLs and trim leading controls: "java\tscript:" runs.
  if (/^ |[\u0000-\u001f\u007f]/.test(url)) return null;
  if (url.startsWith('/')) return /^\/[/\\]/.test(url) ? null : url;
  return /^https?:\/\/[^/\\]/i.test(url) ? url : null;
}
