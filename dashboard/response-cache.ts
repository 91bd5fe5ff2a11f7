/**
 * The HTTP side of the response cache (services/cache.ts). One hit path: `answerCacheHit` runs in
 * the server's request listener before the express app (dashboard/app.ts `listen`), so a cached GET
 * costs no routing, no middleware and no render (for a cached page those cost several times the
 * answer). Routes only ever produce a miss and hand it to `sendAndCache`, which stores the 200s with
 * every header the miss went out with (security headers included), so a hit repeats it exactly.
 * Only public APIs: node's request/response, and headers read back from express's response.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import querystring from 'node:querystring';
import type { Request, Response } from 'express';
import type { AppContext } from './context';
import { requestCacheKey, type CachedResponse } from './services/cache';
import { dbState, requireReadyDb } from './services/db-state';

/** Cache TTLs of the original, seconds (SPEC §7.1). */
export const TTL = { summary: 300, dates: 600, plotDates: 3600, upstream: 600, history: 600 } as const;

/** Headers express removes from a 304 (the body's own). */
const BODY_HEADERS = new Set(['content-type', 'content-length', 'transfer-encoding']);

/**
 * Key of a request URL as the client sent it: its path and its query sorted by name (the query
 * parsed as express's default parser does). Null for URLs that are never cached: with a fragment or
 * white space, where express and a plain split could read the query differently.
 */
export function cacheKeyOf(rawUrl: string): string | null {
  if (/[#\s]/.test(rawUrl)) return null;
  const q = rawUrl.indexOf('?');
  return q === -1 ? requestCacheKey(rawUrl, {}) : requestCacheKey(rawUrl.slice(0, q), querystring.parse(rawUrl.slice(q + 1)));
}

/** A weak or strong ETag without its weakness marker. */
const opaque = (tag: string) => tag.trim().replace(/^W\//, '');

/** If-None-Match names the stored ETag (and the client did not ask for a fresh copy): express's 304 rule. */
function notModified(req: IncomingMessage, etag: string | undefined): boolean {
  const ifNoneMatch = req.headers['if-none-match'];
  if (!ifNoneMatch || !etag) return false;
  if (/(?:^|,)\s*no-cache\s*(?:,|$)/.test(req.headers['cache-control'] ?? '')) return false;
  return ifNoneMatch.trim() === '*' || ifNoneMatch.split(',').some((tag) => opaque(tag) === opaque(etag));
}

/**
 * Answers a GET that is in the cache, byte for byte the stored 200 (or a 304 for a matching
 * If-None-Match); false when it is not, and the app answers. Only while the DB is readable with this
 * schema, the same gate as the routes. `X-Cache: hit` comes only from here.
 */
export function answerCacheHit(ctx: AppContext, req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method !== 'GET') return false;
  const key = cacheKeyOf(req.url ?? '');
  if (key === null) return false;
  let hit: CachedResponse | undefined;
  try {
    if (dbState(ctx.data) !== 'ok') return false;
    hit = ctx.data.cache.get(key);
  } catch {
    // The app answers (and reports) whatever went wrong.
    return false;
  }
  if (!hit) return false;
  if (notModified(req, hit.headers.etag)) {
    res.writeHead(304, Object.fromEntries(Object.entries(hit.headers).filter(([name]) => !BODY_HEADERS.has(name))));
    res.end();
    return true;
  }
  res.writeHead(200, hit.headers);
  res.end(hit.body);
  return true;
}

/** Where a miss will be stored: its key (null: not cacheable) and the cache generation before the data was read. */
export interface CacheSlot {
  key: string | null;
  generation: number;
}

export function cacheSlot(ctx: AppContext, req: Request): CacheSlot {
  return { key: cacheKeyOf(req.originalUrl), generation: ctx.data.cache.generation };
}

/**
 * Sends a produced answer (status, Content-Type and Cache-Control already set) and keeps it when it
 * went out as a 200. Express adds Content-Length and the ETag in res.send; the stored headers are
 * read back from the response afterwards.
 */
export function sendAndCache(ctx: AppContext, res: Response, slot: CacheSlot | null, ttlSeconds: number, body: string): void {
  res.setHeader('X-Cache', 'miss');
  res.send(body);
  if (slot?.key == null || res.statusCode !== 200) return;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.getHeaders())) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
  headers['x-cache'] = 'hit';
  ctx.data.cache.set(slot.key, { headers, body: Buffer.from(body, 'utf8') }, ttlSeconds, slot.generation);
}

export interface CachedJsonOptions {
  /** Browser caching; null sends no Cache-Control at all (for routes that never sent one). */
  cacheControl?: string | null;
  /** False for a route that also answers over a DB of another schema version (only a missing file is 503). */
  requireReady?: boolean;
}

type Produced = { status: number; body: unknown };

/** Produces a JSON answer and caches it when it is a 200 (a repeat is answered by answerCacheHits). */
export async function cachedJson(ctx: AppContext, req: Request, res: Response, ttl: number, produce: () => Promise<Produced>, options: CachedJsonOptions = {}): Promise<void> {
  if (options.requireReady === false) ctx.data.refresh();
  else requireReadyDb(ctx.data);
  const slot = cacheSlot(ctx, req);
  const { status, body } = await produce();
  const cacheControl = options.cacheControl === undefined ? `public, max-age=${Math.min(ttl, 60)}` : options.cacheControl;
  if (cacheControl !== null) res.setHeader('Cache-Control', status === 200 ? cacheControl : 'no-store');
  res.status(status).type('application/json');
  sendAndCache(ctx, res, slot, ttl, JSON.stringify(body));
}
