/**
 * Database Explorer (SPEC §7.3, §7.4, §8): the /database page, its overview/schema/stats APIs and the
 * read-only, bounded SQL endpoint. Query execution lives in dashboard/explorer/ (pool of forked children).
 */
import type { EventEmitter } from 'node:events';
import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../context';
import { parseDays, parseHardware, parseOptionalDate, HttpError } from '../validate';
import { ExplorerPool } from '../explorer/pool';
import { queryTextProblem } from '../explorer/sql-text';
import { CannedQueryError, coerceParams, loadCannedQueries, type CannedQuery } from '../explorer/canned';
import { toCsv, toJsonRecords } from '../explorer/export';
import { getExplorerOverview } from '../explorer/overview';
import { getDatabaseSchema, getDatabaseStats } from '../explorer/meta';
import type { ParamValue, QueryResult } from '../explorer/protocol';
import { TTL, cachedJson } from './api';

const pools = new WeakMap<AppContext, ExplorerPool>();

/** Kills the explorer's query children of this app. Also runs automatically when the HTTP server closes. */
export function closeExplorer(ctx: AppContext): void {
  pools.get(ctx)?.close();
}

/** The pool of an app (tests look at its children). */
export function explorerPool(ctx: AppContext): ExplorerPool | undefined {
  return pools.get(ctx);
}

const OVERVIEW_TTL_S = 300;

function singleString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The effective limit: the request may only lower the configured default, never exceed the server max. */
function timeoutFor(ctx: AppContext, raw: unknown): number {
  const ceiling = Math.min(ctx.settings.EXPLORER_TIMEOUT_MS, ctx.settings.EXPLORER_MAX_TIMEOUT_MS);
  if (raw === undefined || raw === null || raw === '') return ceiling;
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < 1) throw new HttpError(400, 'Invalid timeout_ms (expected a positive integer of milliseconds)');
  return Math.min(n, ceiling);
}

function parseParams(raw: unknown): Record<string, ParamValue> {
  if (raw === undefined || raw === null || raw === '') return {};
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new HttpError(400, 'params must be a JSON object');
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HttpError(400, 'params must be an object of named values');
  const out: Record<string, ParamValue> = {};
  for (const [k, v] of Object.entries(value)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new HttpError(400, `Invalid parameter name: ${k.slice(0, 50)}`);
    if (v !== null && typeof v !== 'string' && typeof v !== 'number') throw new HttpError(400, `Parameter ${k} must be a string, a number or null`);
    out[k] = v;
  }
  return out;
}

interface QueryRequest {
  client: string;
  sql: string;
  params: Record<string, ParamValue>;
  timeoutMs: number;
}

type QueryAnswer = { ok: true; json: string } | { ok: false; status: number; body: { error: string; sql: string } };

export function explorerRoutes(ctx: AppContext): Router {
  const router = Router();
  const pool = new ExplorerPool({ size: ctx.settings.EXPLORER_POOL_SIZE, maxWaitMs: ctx.settings.EXPLORER_MAX_TIMEOUT_MS * 2 });
  pools.set(ctx, pool);
  let canned: CannedQuery[] | null = null;
  const cannedQueries = () => (canned ??= loadCannedQueries());

  // Tie the children's lifetime to the HTTP server that serves this app, so closing it leaks nothing.
  const hookedServers = new WeakSet<EventEmitter>();
  router.use((req, _res, next) => {
    const server = (req.socket as { server?: EventEmitter }).server;
    if (server && !hookedServers.has(server)) {
      hookedServers.add(server);
      server.once('close', () => pool.close());
    }
    next();
  });

  function resolveCanned(name: unknown, rawParams: unknown): { sql: string; params: Record<string, ParamValue> } {
    const query = cannedQueries().find((q) => q.name === name);
    if (!query) throw new HttpError(400, 'Unknown canned query');
    const raw = rawParams === undefined ? {} : parseParams(rawParams);
    try {
      return { sql: query.sql, params: coerceParams(query, raw) };
    } catch (err) {
      if (err instanceof CannedQueryError) throw new HttpError(400, err.message);
      throw err;
    }
  }

  async function runQuery(request: QueryRequest): Promise<QueryAnswer> {
    const { sql } = request;
    const problem = queryTextProblem(sql);
    // A rejected 1 MB text is not echoed back in full.
    const echo = sql.length > 10_000 ? `${sql.slice(0, 10_000)}…` : sql;
    if (problem) return { ok: false, status: 400, body: { error: problem, sql: echo } };
    ctx.data.refresh(); // 503 when there is no database file
    const outcome = await pool.runForClient(
      request.client,
      {
        dbPath: ctx.data.dbPath,
        sql,
        params: request.params,
        rowLimit: ctx.settings.EXPLORER_ROW_LIMIT,
        cellLimit: ctx.settings.EXPLORER_CELL_LIMIT,
        maxResponseBytes: ctx.settings.EXPLORER_MAX_RESPONSE_BYTES,
      },
      request.timeoutMs,
    );
    switch (outcome.kind) {
      case 'ok':
        return { ok: true, json: outcome.json };
      case 'error':
        return { ok: false, status: 400, body: { error: outcome.error, sql: echo } };
      case 'timeout':
        return { ok: false, status: 408, body: { error: `Query exceeded the ${request.timeoutMs} ms limit`, sql: echo } };
      case 'busy':
        return { ok: false, status: 503, body: { error: 'The SQL explorer is busy; try again shortly', sql: echo } };
      case 'failed':
        return { ok: false, status: 500, body: { error: outcome.error, sql: echo } };
    }
  }

  function send(res: Response, answer: QueryAnswer, format: string | undefined): void {
    res.setHeader('Cache-Control', 'no-store');
    if (!answer.ok) {
      res.status(answer.status).json(answer.body);
    } else if (format === 'csv') {
      res.attachment('query_results.csv').type('text/csv; charset=utf-8').send(toCsv(JSON.parse(answer.json) as QueryResult));
    } else if (format === 'json') {
      res.attachment('query_results.json').type('application/json; charset=utf-8').send(JSON.stringify(toJsonRecords(JSON.parse(answer.json) as QueryResult), null, 2));
    } else {
      // The child's text as is: no parse and re-stringify of up to 5 MB on the server's event loop.
      res.type('application/json').send(answer.json);
    }
  }

  function parseFormat(value: unknown): 'csv' | 'json' | undefined {
    if (value === undefined || value === '') return undefined;
    if (value === 'csv' || value === 'json') return value;
    throw new HttpError(400, 'Invalid format (expected csv or json)');
  }

  router.post('/api/database/query', async (req: Request, res: Response) => {
    const body: unknown = req.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      res.status(400).json({ error: 'Request body must be JSON' });
      return;
    }
    const b = body as Record<string, unknown>;
    const format = parseFormat(b.format);
    const timeoutMs = timeoutFor(ctx, b.timeout_ms);
    if (b.name !== undefined) {
      send(res, await runQuery({ client: clientOf(req), ...resolveCanned(b.name, b.params), timeoutMs }), format);
      return;
    }
    if (typeof b.query !== 'string' || b.query.trim() === '') {
      res.status(400).json({ error: 'No query provided' });
      return;
    }
    send(res, await runQuery({ client: clientOf(req), sql: b.query, params: parseParams(b.params), timeoutMs }), format);
  });

  // Permalink and export form: GET /api/database/query?sql=…[&params={json}][&format=csv|json][&timeout_ms=]
  router.get('/api/database/query', async (req: Request, res: Response) => {
    const format = parseFormat(req.query.format);
    const timeoutMs = timeoutFor(ctx, singleString(req.query.timeout_ms));
    const name = singleString(req.query.name);
    if (name !== undefined) {
      send(res, await runQuery({ client: clientOf(req), ...resolveCanned(name, singleString(req.query.params)), timeoutMs }), format);
      return;
    }
    const sql = singleString(req.query.sql);
    if (sql === undefined || sql.trim() === '') {
      res.status(400).json({ error: 'No query provided' });
      return;
    }
    send(res, await runQuery({ client: clientOf(req), sql, params: parseParams(singleString(req.query.params)), timeoutMs }), format);
  });

  router.get('/api/database/queries', (_req: Request, res: Response) => {
    res.json({ queries: cannedQueries() });
  });

  router.get('/api/database/overview', async (req: Request, res: Response) => {
    const hw = parseHardware(singleString(req.query.hardware) ?? 'mi30x');
    const machineRaw = singleString(req.query.machine);
    const query = {
      hw,
      machine: machineRaw === undefined || machineRaw === '' ? null : machineRaw,
      range: parseRange(singleString(req.query.range)),
      date: parseOptionalDate(singleString(req.query.date)),
      test: singleString(req.query.test) || 'all',
    };
    await cachedJson(ctx, req, res, OVERVIEW_TTL_S, async () => ({ status: 200, body: await getExplorerOverview(ctx.data.db(), query) }), { cacheControl: null, requireReady: false });
  });

  router.get('/api/database/schema', (_req: Request, res: Response) => {
    res.json(getDatabaseSchema(ctx.data.raw()));
  });

  // Counts over whole tables: computed once per data change (the cache is dropped with the data).
  router.get('/api/database/stats', async (req: Request, res: Response) => {
    await cachedJson(ctx, req, res, TTL.summary, async () => ({ status: 200, body: { stats: await getDatabaseStats(ctx.data.db(), ctx.data.dbPath, ctx.data.schema().version) } }), {
      cacheControl: null,
      requireReady: false,
    });
  });

  router.get('/database', (req: Request, res: Response) => {
    const hardware = singleString(req.query.hardware);
    const state = {
      hardware: hardware ? parseHardware(hardware) : 'mi30x',
      machine: singleString(req.query.machine) ?? '',
      date: parseOptionalDate(singleString(req.query.date)) ?? '',
      range: parseRange(singleString(req.query.range)),
      test: singleString(req.query.test) ?? 'all',
      sql: singleString(req.query.sql) ?? '',
      params: singleString(req.query.params) ?? '',
      row_limit: ctx.settings.EXPLORER_ROW_LIMIT,
    };
    res.render('database', { title: 'Database Explorer', state });
  });

  return router;
}

/** The client a query belongs to (trust proxy is off, so this is the socket's peer address). */
function clientOf(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

function parseRange(value: string | undefined): number {
  try {
    return parseDays(value, 7, 90);
  } catch {
    throw new HttpError(400, 'Invalid range (expected an integer 1..90)');
  }
}
