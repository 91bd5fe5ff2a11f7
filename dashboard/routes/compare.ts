/**
 * `/compare?a=hw:date[:machine]&b=hw:date[:machine]` (SPEC §7.2–7.3): two runs side by side, as a page
 * (a permalink) and as JSON (`/api/compare-runs`). The picker form submits its parts; the route turns
 * them into the canonical `a`/`b` URL so every comparison has one address.
 */
import { Router, type Request } from 'express';
import { HARDWARE, type Hardware } from '../../core/hardware';
import { compareRuns, formatPct, formatRunRef, loadRunSnapshot, parseRunRef, type RunComparison, type RunRef } from '../../read/compare';
import { machinesByHardware } from '../../read/digest';
import type { AppContext } from '../context';
import { listDates } from '../../read/runs';
import { HttpError, dashed } from '../validate';
import { TTL, cachedJson } from './api';

function refParam(value: unknown, name: string): RunRef {
  if (typeof value !== 'string' || value === '') throw new HttpError(400, `Parameter ${name} required (hw:YYYYMMDD[:machine])`);
  try {
    return parseRunRef(value);
  } catch (err) {
    throw new HttpError(400, `Invalid run reference ${name}: ${(err as Error).message}`);
  }
}

/** The picker's `a_hw`, `a_date`, `a_machine` fields as one reference string, or null when absent. */
function fromPickerFields(query: Request['query'], side: 'a' | 'b'): string | null {
  const hw = query[`${side}_hw`];
  const date = query[`${side}_date`];
  const machine = query[`${side}_machine`];
  if (typeof hw !== 'string' || typeof date !== 'string') return null;
  return `${hw}:${date.replace(/-/g, '')}${typeof machine === 'string' && machine ? `:${machine}` : ''}`;
}

type Compared = { comparison: RunComparison } | { notFound: string };

async function compare(ctx: AppContext, a: RunRef, b: RunRef): Promise<Compared> {
  const db = ctx.data.db();
  const [sa, sb] = await Promise.all([loadRunSnapshot(db, a), loadRunSnapshot(db, b)]);
  if ('notFound' in sa) return sa;
  if ('notFound' in sb) return sb;
  return { comparison: compareRuns(sa, sb) };
}

export function compareRoutes(ctx: AppContext): Router {
  const router = Router();

  // A comparison only changes with the data: kept in the response cache (no browser caching, as before).
  router.get('/api/compare-runs', async (req, res) => {
    const a = refParam(req.query.a, 'a');
    const b = refParam(req.query.b, 'b');
    await cachedJson(
      ctx,
      req,
      res,
      TTL.summary,
      async () => {
        const result = await compare(ctx, a, b);
        return 'notFound' in result ? { status: 404, body: { error: 'No run for this date', detail: result.notFound } } : { status: 200, body: result.comparison };
      },
      { cacheControl: null, requireReady: false },
    );
  });

  router.get('/compare', async (req, res) => {
    const pickedA = fromPickerFields(req.query, 'a');
    const pickedB = fromPickerFields(req.query, 'b');
    if (pickedA !== null || pickedB !== null) {
      const params = new URLSearchParams({ a: pickedA ?? String(req.query.a ?? ''), b: pickedB ?? String(req.query.b ?? '') });
      res.redirect(302, `/compare?${params.toString()}`);
      return;
    }
    const db = ctx.data.db();
    const dates = Object.fromEntries(await Promise.all(HARDWARE.map(async (hw) => [hw, await listDates(db, hw, 90)] as const))) as Record<Hardware, string[]>;
    if (req.query.a === undefined && req.query.b === undefined) {
      // No choice yet: the newest night of mi30x against the one before it.
      const [newest, previous] = dates.mi30x;
      if (newest && previous) {
        res.redirect(302, `/compare?${new URLSearchParams({ a: `mi30x:${previous}`, b: `mi30x:${newest}` }).toString()}`);
        return;
      }
    }
    const view = { title: 'Compare runs', HARDWARE, dates, machines: await machinesByHardware(db), dashed, formatPct, scripts: ['/static/js/compare.js'] };
    if (req.query.a === undefined && req.query.b === undefined) {
      res.render('compare', { ...view, a: null, b: null, comparison: null, notFound: null });
      return;
    }
    const a = refParam(req.query.a, 'a');
    const b = refParam(req.query.b, 'b');
    const result = await compare(ctx, a, b);
    if ('notFound' in result) res.status(404);
    res.render('compare', {
      ...view,
      a,
      b,
      refs: { a: formatRunRef(a), b: formatRunRef(b) },
      comparison: 'comparison' in result ? result.comparison : null,
      notFound: 'notFound' in result ? `Not ingested: ${result.notFound}` : null,
    });
  });

  return router;
}
