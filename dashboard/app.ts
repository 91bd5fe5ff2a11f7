/**
 * The express app. Routes stay thin: check their parameters (params.ts), ask the read model or
 * view-models.ts, render a view or send JSON. Route modules are grouped by page kind. Order: security
 * headers, static files, body parser, routers, 404, errors. Cache hits are answered before the app,
 * in the server's request listener (`listen`).
 */
import http from 'node:http';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import { PROJECT_ROOT, type Settings } from '../config';
import { redactSecrets } from '../core/redact';
import { safeHref } from '../core/urls';
import { plural } from '../core/words';
import type { AppContext } from './context';
import { DataSource, DatabaseUnavailableError } from './services/data-source';
import { securityHeaders } from './security';
import { answerCacheHit } from './response-cache';
import { BODY_LIMIT, clientErrorOf } from './client-errors';
import { HttpError } from './http-error';
import { pagesRoutes } from './routes/pages';
import { apiRoutes } from './routes/api';
import { filesRoutes } from './routes/files';
import { explorerRoutes } from './routes/explorer';
import { perfRoutes } from './routes/perf';
import { srtRoutes } from './routes/srt';
import { syncRoutes } from './routes/sync';
import { compareRoutes } from './routes/compare';
import { logViewRoutes } from './routes/log-view';

export interface AppOptions {
  settings: Settings;
  dbPath: string;
  baseDir?: string | null;
  /** The data source's clock (tests step it past the file recheck instead of sleeping). */
  clock?: () => number;
  /** Serve an older DB from a migrated in-memory copy (`ci-dash serve` over a file it may not upgrade). */
  upgradeInMemory?: boolean;
}

export interface DashboardApp {
  app: express.Express;
  ctx: AppContext;
  /**
   * Starts an HTTP server on `port` (0: any free one) of `host`: cached GETs are answered before
   * express (response-cache.ts), every other request by the app. Rejects when it cannot listen.
   */
  listen(port: number, host: string): Promise<http.Server>;
}

export function createApp(options: AppOptions): DashboardApp {
  const ctx: AppContext = {
    settings: options.settings,
    data: new DataSource(options.dbPath, options.settings.CACHE_MAX_BYTES, options.clock, options.upgradeInMemory),
    baseDir: options.baseDir ? path.resolve(options.baseDir) : null,
  };
  const app = express();
  app.disable('x-powered-by');
  // Whose address req.ip is (the explorer's per-client queue): README "Behind a proxy".
  app.set('trust proxy', trustProxy(options.settings.TRUST_PROXY));
  app.set('view engine', 'ejs');
  app.set('views', path.join(PROJECT_ROOT, 'views'));
  // Express caches compiled templates only under NODE_ENV=production; recompiling every view and
  // partial on each request cost more than the page's queries.
  app.set('view cache', process.env.NODE_ENV !== 'development');
  app.locals.repo = options.settings.GITHUB_REPO;
  // Every view renders stored URLs through this one check (core/urls.ts).
  app.locals.safeHref = safeHref;
  // `3 nights` / `1 night` in every view, whichever router renders it.
  app.locals.plural = plural;
  app.use(securityHeaders());
  app.use('/static', express.static(path.join(PROJECT_ROOT, 'public'), { maxAge: '1h' }));
  // Chart.js is served from our own server (no CDN), straight from the installed package.
  app.use('/static/vendor/chart.js', express.static(path.join(PROJECT_ROOT, 'node_modules', 'chart.js', 'dist'), { maxAge: '1d' }));
  app.use(express.json({ limit: BODY_LIMIT }));

  for (const routes of [pagesRoutes, apiRoutes, filesRoutes, explorerRoutes, perfRoutes, srtRoutes, syncRoutes, compareRoutes, logViewRoutes]) {
    app.use(routes(ctx));
  }

  app.use((req: Request, res: Response) => {
    if (req.path.startsWith('/api/')) res.status(404).json({ error: 'Not found' });
    // SPEC §7.1: an unknown page gets the page template; invalid parameters of a known page stay plain text.
    else res.status(404).render('error', { title: 'Page not found', message: `There is no page at ${req.path}. The navigation bar above lists every page.` });
  });
  // Errors: never a stack trace or a filesystem path to the client.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const api = req.path.startsWith('/api/');
    if (err instanceof HttpError) {
      if (api) res.status(err.status).json({ error: err.message });
      else res.status(err.status === 400 ? 404 : err.status).type('text/plain').send(err.message);
      return;
    }
    const client = clientErrorOf(err);
    if (client) {
      process.stderr.write(`[dashboard] ${client.status} ${req.method} ${redactSecrets(req.originalUrl.slice(0, 200))}: ${client.message}\n`);
      if (api) res.status(client.status).json({ error: client.message });
      else res.status(client.status).type('text/plain').send(client.message);
      return;
    }
    if (err instanceof DatabaseUnavailableError) {
      if (api) res.status(503).json({ error: 'Database not available' });
      else res.status(503).render('error', { title: 'No database', message: 'No database yet. Run `ci-dash ingest` or `ci-dash sync pull`.' });
      return;
    }
    process.stderr.write(`[dashboard] ${req.method} ${req.path}: ${redactSecrets(String((err as Error)?.stack ?? err))}\n`);
    if (api) res.status(500).json({ error: 'Internal server error' });
    else res.status(500).render('error', { title: 'Internal server error', message: 'The page could not be built. The error is in the server log; reloading may help if the database was being replaced.' });
  });
  const listen = (port: number, host: string) =>
    new Promise<http.Server>((resolve, reject) => {
      const server = http.createServer((req, res) => {
        if (!answerCacheHit(ctx, req, res)) app(req, res);
      });
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve(server);
      });
    });
  return { app, ctx, listen };
}

/** TRUST_PROXY as express takes it: true/false, a hop count, or addresses/subnets ("loopback, 10.0.0.0/8"). */
export function trustProxy(setting: string): boolean | number | string {
  const value = setting.trim();
  if (value === '' || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}
