/**
 * The express app. Routes stay thin: parse and validate, call a query in database/ or a service,
 * render a view or send JSON. Route modules are grouped by page kind.
 */
import path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import { PROJECT_ROOT, type Settings } from '../config';
import { redactSecrets } from '../core/redact';
import type { AppContext } from './context';
import { DataSource, DatabaseUnavailableError } from './services/data-source';
import { securityHeaders } from './security';
import { answerCacheHitsFirst } from './fast-hits';
import { HttpError } from './validate';
import { pagesRoutes } from './routes/pages';
import { apiRoutes } from './routes/api';
import { filesRoutes } from './routes/files';
import { explorerRoutes } from './routes/explorer';
import { perfRoutes } from './routes/perf';
import { srtRoutes } from './routes/srt';
import { syncRoutes } from './routes/sync';
import { compareRoutes } from './routes/compare';

export interface AppOptions {
  settings: Settings;
  dbPath: string;
  baseDir?: string | null;
}

export function createApp(options: AppOptions): { app: express.Express; ctx: AppContext } {
  const ctx: AppContext = {
    settings: options.settings,
    data: new DataSource(options.dbPath, options.settings.CACHE_MAX_BYTES),
    baseDir: options.baseDir ? path.resolve(options.baseDir) : null,
  };
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.set('view engine', 'ejs');
  app.set('views', path.join(PROJECT_ROOT, 'views'));
  // Express caches compiled templates only under NODE_ENV=production; recompiling every view and
  // partial on each request cost more than the page's queries.
  app.set('view cache', process.env.NODE_ENV !== 'development');
  app.locals.repo = options.settings.GITHUB_REPO;
  app.use(securityHeaders);
  app.use('/static', express.static(path.join(PROJECT_ROOT, 'public'), { maxAge: '1h' }));
  // Chart.js is served from our own server (no CDN), straight from the installed package.
  app.use('/static/vendor/chart.js', express.static(path.join(PROJECT_ROOT, 'node_modules', 'chart.js', 'dist'), { maxAge: '1d' }));
  app.use(express.json({ limit: '2mb' }));

  for (const routes of [pagesRoutes, apiRoutes, filesRoutes, explorerRoutes, perfRoutes, srtRoutes, syncRoutes, compareRoutes]) {
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
    if ((err as { type?: string }).type === 'entity.parse.failed') {
      res.status(400).json({ error: 'Request body must be JSON' });
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
  answerCacheHitsFirst(app, ctx);
  return { app, ctx };
}
