/**
 * Cache hits answered before express (issue 4). For a cached page or JSON, express's own work per
 * request (request/response set-up, walking every router's middleware) cost more than the answer;
 * the plain case is served here from the entry's wire form, byte for byte what express sends for a
 * hit. Anything else (HEAD, conditional requests that may get a 304, unusual URLs, a DB not ready,
 * a miss) goes through express as before.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type express from 'express';
import type { AppContext } from './context';
import { requestCacheKey, type WireResponse } from './services/cache';
import { dbState } from './services/db-state';
import { SECURITY_HEADERS } from './security';

/** The URLs for which express's parser (parseurl) takes path and query by splitting at the first `?`. */
const SIMPLE_URL = /^(\/[^?#\s]*)(?:\?([^#\s]*))?$/;

type QueryParser = (query: string) => Record<string, unknown>;
type ETagFn = (body: Buffer, encoding?: string) => string | undefined;

/** The response express gives a cache hit (res.send of the cached text), ETag from the app's own setting. */
export function wireResponse(app: express.Application, body: string, contentType: string, cacheControl: string | null): WireResponse {
  const buf = Buffer.from(body, 'utf8');
  const headers: Record<string, string> = { ...SECURITY_HEADERS, 'X-Cache': 'hit', 'Content-Type': contentType, 'Content-Length': String(buf.length) };
  if (cacheControl !== null) headers['Cache-Control'] = cacheControl;
  const etag = (app.get('etag fn') as ETagFn | undefined)?.(buf);
  if (etag) headers.ETag = etag;
  return { headers, body: buf };
}

function serveHit(app: express.Application, ctx: AppContext, req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method !== 'GET' || req.headers['if-none-match'] !== undefined || req.headers['if-modified-since'] !== undefined) return false;
  const url = SIMPLE_URL.exec(req.url ?? '');
  if (!url) return false;
  const parse = app.get('query parser fn') as QueryParser | undefined;
  const query = url[2] !== undefined && parse ? parse(url[2]) : {};
  let wire: WireResponse | undefined;
  try {
    // The same gate as the routes: a hit is served only while the DB is readable with this schema.
    if (dbState(ctx.data) !== 'ok') return false;
    wire = ctx.data.cache.getWire(requestCacheKey(url[1], query));
  } catch {
    return false;
  }
  if (!wire) return false;
  res.writeHead(200, wire.headers);
  res.end(wire.body);
  return true;
}

/** Puts the hit check in front of the app's request handling (every server made from the app uses it). */
export function answerCacheHitsFirst(app: express.Express, ctx: AppContext): void {
  const handled = app as unknown as { handle(req: IncomingMessage, res: ServerResponse, next?: unknown): void };
  const routed = handled.handle.bind(app);
  handled.handle = (req, res, next) => {
    if (!serveHit(app, ctx, req, res)) routed(req, res, next);
  };
}
