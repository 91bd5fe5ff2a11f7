/**
 * `/compare?a=hw:date[:machine]&b=hw:date[:machine]` (SPEC §7.2–7.3): two runs side by side, as a page
 * (a permalink) and as JSON (`/api/compare-runs`). The picker form submits its parts; the route turns
 * them into the canonical `a`/`b` URL so every comparison has one address.
 */
import { Router, type Request } from 'express';
import { z } from 'zod';
import { compactDate } from '../../core/dates';
import { parseRunRef } from '../../read/compare';
import type { AppContext } from '../context';
import { parseRequest, required } from '../params';
import { TTL, cachedJson } from '../response-cache';
import { compareDates, compareRefs, compareView } from '../view-models';

/** `hw:YYYYMMDD[:machine]`, read by the read model's own parser (the CLI uses the same one). */
function runRef(name: 'a' | 'b') {
  const reference = z.string(`Invalid run reference ${name}`).transform((value, check) => {
    try {
      return parseRunRef(value);
    } catch (err) {
      check.addIssue({ code: 'custom', message: `Invalid run reference ${name}: ${(err as Error).message}` });
      return z.NEVER;
    }
  });
  return required(reference, `Parameter ${name} required (hw:YYYYMMDD[:machine])`);
}

const refsQuery = z.object({ a: runRef('a'), b: runRef('b') });

/** The picker's `a_hw`, `a_date`, `a_machine` fields as one reference string, or null when absent. */
function fromPickerFields(query: Request['query'], side: 'a' | 'b'): string | null {
  const hw = query[`${side}_hw`];
  const date = query[`${side}_date`];
  const machine = query[`${side}_machine`];
  if (typeof hw !== 'string' || typeof date !== 'string') return null;
  return `${hw}:${compactDate(date)}${typeof machine === 'string' && machine ? `:${machine}` : ''}`;
}

export function compareRoutes(ctx: AppContext): Router {
  const router = Router();

  // A comparison only changes with the data: kept in the response cache (no browser caching, as before).
  router.get('/api/compare-runs', async (req, res) => {
    const { a, b } = parseRequest(req, { query: refsQuery }).query;
    const produce = async () => {
      const result = await compareRefs(ctx, a, b);
      return 'notFound' in result ? { status: 404, body: { error: 'No run for this date', detail: result.notFound } } : { status: 200, body: result.comparison };
    };
    await cachedJson(ctx, req, res, TTL.summary, produce, { cacheControl: null, requireReady: false });
  });

  router.get('/compare', async (req, res) => {
    const pickedA = fromPickerFields(req.query, 'a');
    const pickedB = fromPickerFields(req.query, 'b');
    if (pickedA !== null || pickedB !== null) {
      const params = new URLSearchParams({ a: pickedA ?? String(req.query.a ?? ''), b: pickedB ?? String(req.query.b ?? '') });
      res.redirect(302, `/compare?${params.toString()}`);
      return;
    }
    const dates = await compareDates(ctx);
    const chosen = req.query.a !== undefined || req.query.b !== undefined;
    // No choice yet: the newest night of mi30x against the one before it.
    const [newest, previous] = dates.mi30x;
    if (!chosen && newest && previous) {
      res.redirect(302, `/compare?${new URLSearchParams({ a: `mi30x:${previous}`, b: `mi30x:${newest}` }).toString()}`);
      return;
    }
    const view = await compareView(ctx, dates, chosen ? parseRequest(req, { query: refsQuery }).query : null);
    if (!view.found) res.status(404);
    res.render('compare', view.locals);
  });

  return router;
}
