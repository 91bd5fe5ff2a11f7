/**
 * HTML pages (SPEC §7.3): home, hardware, plots, upstream coverage. Each handler validates the URL,
 * asks dashboard/view-models for the page's locals and renders one view; every page state lives in
 * the query string. Bootstrap's CSS/JS are served from node_modules (no CDN).
 */
import path from 'node:path';
import express, { Router, type Response } from 'express';
import { z } from 'zod';
import { PROJECT_ROOT } from '../../config';
import type { AppContext } from '../context';
import { HttpError } from '../http-error';
import { date, hardware, machine, orDefault, parseRequest } from '../params';
import { TTL, cacheSlot, sendAndCache, type CacheSlot } from '../response-cache';
import { DB_STATE_MESSAGES, dbState } from '../services/db-state';
import { freshness, hardwareView, homeView, plotsView, upstreamView, viewHelpers } from '../view-models';

const datedQuery = z.object({ date: orDefault(date, null) });
const hwParams = z.object({ hw: hardware });
const hardwareQuery = z.object({ date: orDefault(date, null), machine });

/** Renders the DB-state page and returns false when the DB cannot be read by this build. */
function dbReady(ctx: AppContext, res: Response): boolean {
  const state = dbState(ctx.data);
  if (state === 'ok') return true;
  res.status(503).setHeader('Cache-Control', 'no-store');
  res.render('error', { title: state === 'missing' ? 'No database' : 'Database needs migration', message: DB_STATE_MESSAGES[state], freshness: null });
  return false;
}

/** Requests that never get an HTML page from this router (no freshness line, no page cache). */
const NOT_A_PAGE = /^\/(api|static|logs|github-plots)\/|^\/health$/;

export function pagesRoutes(ctx: AppContext): Router {
  const router = Router();
  router.use('/static/vendor/bootstrap', express.static(path.join(PROJECT_ROOT, 'node_modules', 'bootstrap', 'dist'), { maxAge: '1d' }));

  /**
   * The pages of this router are kept rendered in the response cache, like the API's JSON (same
   * TTL as the summary, dropped with the rest when the data changes or after a sync): rendering a
   * page runs 20–30 queries and an EJS render, and pages are what most visitors ask for.
   */
  function render(res: Response, view: string, locals: Record<string, unknown>): void {
    res.setHeader('Cache-Control', 'no-cache');
    res.render(view, { ...viewHelpers, ...locals }, (err: Error | null, html: string) => {
      if (err) {
        res.req.next?.(err);
        return;
      }
      res.type('html');
      sendAndCache(ctx, res, (res.locals.pageCacheSlot as CacheSlot | undefined) ?? null, TTL.summary, html);
    });
  }

  // The footer "data as of" and the stale-data banner on every HTML page (also other engineers'
  // pages, which do not use the page cache). A cached page never gets here (response-cache.ts).
  router.use(async (req, res, next) => {
    if (req.method === 'GET' && !NOT_A_PAGE.test(req.path)) {
      try {
        if (dbState(ctx.data) === 'ok') {
          res.locals.pageCacheSlot = cacheSlot(ctx, req);
          res.locals.freshness = await freshness(ctx);
        }
      } catch {
        // A page renders without the freshness line rather than failing.
      }
    }
    next();
  });

  router.get('/', async (req, res) => {
    const { query } = parseRequest(req, { query: datedQuery });
    if (!dbReady(ctx, res)) return;
    render(res, 'home', await homeView(ctx, query.date));
  });

  router.get('/hardware/:hw', async (req, res) => {
    const { params, query } = parseRequest(req, { params: hwParams, query: hardwareQuery });
    if (!dbReady(ctx, res)) return;
    const view = await hardwareView(ctx, params.hw, query.date, query.machine);
    if (!view.ok) throw new HttpError(404, 'Unknown machine');
    render(res, 'hardware', view.value);
  });

  router.get('/plots/:hw', async (req, res) => {
    const { params, query } = parseRequest(req, { params: hwParams, query: datedQuery });
    if (!dbReady(ctx, res)) return;
    render(res, 'plots', await plotsView(ctx, params.hw, query.date));
  });

  router.get('/upstream-ci', async (req, res) => {
    const { query } = parseRequest(req, { query: datedQuery });
    if (!dbReady(ctx, res)) return;
    render(res, 'upstream', await upstreamView(ctx, query.date));
  });

  return router;
}
