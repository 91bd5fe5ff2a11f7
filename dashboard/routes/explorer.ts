/**
 * Database Explorer (SPEC §7.3, §7.4, §8): the /database page, its overview/schema/stats APIs and the
 * read-only, bounded SQL endpoint. Query execution lives in dashboard/explorer/ (pool of forked children).
 */
import type { EventEmitter } from 'node:events';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context';
import { TASK_GROUPS } from '../../core/tasks';
import { HttpError } from '../http-error';
import { date, days, hardware, oneOf, orDefault, parseParam, parseRequest, text } from '../params';
import { ExplorerPool, type PoolOutcome } from '../explorer/pool';
import { queryTextProblem } from '../explorer/sql-text';
import { CannedQueryError, coerceParams, loadCannedQueries, type CannedQuery } from '../explorer/canned';
import { explorerCsv, toJsonRecords } from '../explorer/export';
import { getExplorerOverview } from '../explorer/overview';
import { getDatabaseSchema, getDatabaseStats } from '../explorer/meta';
import type { ParamValue, QueryResult } from '../explorer/protocol';
import { TTL, cachedJson } from '../response-cache';

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

const TIMEOUT_MESSAGE = { error: 'Invalid timeout_ms (expected a positive integer of milliseconds)' };
/** A requested time limit (JSON number or query-string digits); the route caps it at the server's. */
const timeoutMs = orDefault(
  z.union([z.number(TIMEOUT_MESSAGE).int(TIMEOUT_MESSAGE).min(1, TIMEOUT_MESSAGE), z.string(TIMEOUT_MESSAGE).regex(/^\d{1,9}$/, TIMEOUT_MESSAGE).transform(Number).refine((n) => n >= 1, TIMEOUT_MESSAGE)], TIMEOUT_MESSAGE),
  null,
);

/** Named query parameters: an object, or its JSON text (the GET permalink form). */
const queryParams = z.preprocess(
  (raw, check) => {
    if (raw === undefined || raw === null || raw === '') return {};
    if (typeof raw !== 'string') return raw;
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      check.addIssue({ code: 'custom', message: 'params must be a JSON object' });
      return z.NEVER;
    }
  },
  z.record(
    z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/),
    z.union([z.string(), z.number(), z.null()], { error: (issue) => `Parameter ${String(issue.path?.[0] ?? '').slice(0, 50)} must be a string, a number or null` }),
    { error: (issue) => (issue.code === 'invalid_key' ? `Invalid parameter name: ${String(issue.path?.[0] ?? '').slice(0, 50)}` : 'params must be an object of named values') },
  ),
);

const format = oneOf(['csv', 'json'], 'Invalid format (expected csv or json)');
/** `params` is read separately: a canned query coerces it against its own declaration. */
const queryBody = z.object({ format, timeout_ms: timeoutMs, name: z.unknown().optional(), query: z.unknown().optional(), params: z.unknown().optional() }, { error: 'Request body must be JSON' });
const singleString = z.string().optional().catch(undefined);
const queryString = z.object({ format, timeout_ms: timeoutMs, name: singleString, sql: singleString, params: singleString });
const overviewQuery = z.object({
  hardware: orDefault(hardware, 'mi30x'),
  machine: text('machine'),
  range: days(7, 90, 'range'),
  date: orDefault(date, null),
  test: text('test'),
});
const pageQuery = overviewQuery.extend({ sql: singleString, params: singleString });

interface QueryRequest {
  client: string;
  sql: string;
  params: Record<string, ParamValue>;
  timeoutMs: number;
}

type QueryAnswer = { ok: true; json: string } | { ok: false; status: number; body: { error: string; sql: string } };

export function explorerRoutes(ctx: AppContext): Router {
  const router = Router();
  const pool = new ExplorerPool({ size: ctx.settings.EXPLORER_POOL_SIZE, maxWaitMs: ctx.settings.EXPLORER_QUEUE_WAIT_MS });
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
    try {
      return { sql: query.sql, params: coerceParams(query, parseParam(queryParams, rawParams)) };
    } catch (err) {
      if (err instanceof CannedQueryError) throw new HttpError(400, err.message);
      throw err;
    }
  }

  /** The effective limit: the request may only lower the configured default, never exceed the server max. */
  function limitOf(requested: number | null): number {
    const ceiling = Math.min(ctx.settings.EXPLORER_TIMEOUT_MS, ctx.settings.EXPLORER_MAX_TIMEOUT_MS);
    return requested === null ? ceiling : Math.min(requested, ceiling);
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
        return { ok: false, status: 503, body: { error: busyMessage(outcome), sql: echo } };
      case 'failed':
        return { ok: false, status: 500, body: { error: outcome.error, sql: echo } };
    }
  }

  function send(res: Response, answer: QueryAnswer, format: 'csv' | 'json' | null): void {
    res.setHeader('Cache-Control', 'no-store');
    if (!answer.ok) {
      res.status(answer.status).json(answer.body);
    } else if (format === 'csv') {
      res.attachment('query_results.csv').type('text/csv; charset=utf-8').send(explorerCsv(JSON.parse(answer.json) as QueryResult));
    } else if (format === 'json') {
      res.attachment('query_results.json').type('application/json; charset=utf-8').send(JSON.stringify(toJsonRecords(JSON.parse(answer.json) as QueryResult), null, 2));
    } else {
      // The child's text as is: no parse and re-stringify of up to 5 MB on the server's event loop.
      res.type('application/json').send(answer.json);
    }
  }

  /** One query, canned (`name`) or free SQL, as the POST body or the GET permalink spells it. */
  async function answer(req: Request, res: Response, input: { format: 'csv' | 'json' | null; timeout_ms: number | null; name?: unknown; sql?: unknown; params?: unknown }): Promise<void> {
    const request = { client: clientOf(req), timeoutMs: limitOf(input.timeout_ms) };
    if (input.name !== undefined) {
      send(res, await runQuery({ ...request, ...resolveCanned(input.name, input.params) }), input.format);
      return;
    }
    if (typeof input.sql !== 'string' || input.sql.trim() === '') {
      res.status(400).json({ error: 'No query provided' });
      return;
    }
    send(res, await runQuery({ ...request, sql: input.sql, params: parseParam(queryParams, input.params) }), input.format);
  }

  router.post('/api/database/query', async (req: Request, res: Response) => {
    const body = parseRequest(req, { body: queryBody }).body;
    await answer(req, res, { ...body, sql: body.query });
  });

  // Permalink and export form: GET /api/database/query?sql=…[&params={json}][&format=csv|json][&timeout_ms=]
  router.get('/api/database/query', async (req: Request, res: Response) => {
    await answer(req, res, parseRequest(req, { query: queryString }).query);
  });

  router.get('/api/database/queries', (_req: Request, res: Response) => {
    res.json({ queries: cannedQueries() });
  });

  router.get('/api/database/overview', async (req: Request, res: Response) => {
    const q = parseRequest(req, { query: overviewQuery }).query;
    const query = { hw: q.hardware, machine: q.machine, range: q.range, date: q.date, test: q.test ?? 'all' };
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
    const q = parseRequest(req, { query: pageQuery }).query;
    const state = {
      hardware: q.hardware,
      machine: q.machine ?? '',
      date: q.date ?? '',
      range: q.range,
      test: q.test ?? 'all',
      sql: q.sql ?? '',
      params: q.params ?? '',
      row_limit: ctx.settings.EXPLORER_ROW_LIMIT,
      // The run detail's tables, one per UI group of the task catalogue.
      task_groups: TASK_GROUPS,
    };
    res.render('database', { title: 'Database Explorer', state });
  });

  return router;
}

/** The client a query belongs to: the socket's peer, or the forwarded address when TRUST_PROXY names the proxy. */
function clientOf(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

function busyMessage(outcome: Extract<PoolOutcome, { kind: 'busy' }>): string {
  if (outcome.reason !== 'wait') return 'The SQL explorer is busy; try again shortly';
  return `The SQL explorer is busy: no query slot came free within ${outcome.waitedMs} ms; try again shortly`;
}
