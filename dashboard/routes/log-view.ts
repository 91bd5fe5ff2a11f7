/**
 * `/log-view?file=<path in the log tree>&line=N`: an HTML view of a window of one log whose lines
 * carry `#L{n}` anchors (issue 15: the failure causes link here at their excerpt's line). Only
 * files under the log folders of the tree are served; lines are redacted, escaped by the view and
 * cut in length; the file is streamed and never read past the window.
 */
import fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { Router } from 'express';
import { z } from 'zod';
import { redactSecrets } from '../../core/redact';
import type { AppContext } from '../context';
import { HttpError } from '../http-error';
import { parseRequest } from '../params';
import { fileBelow } from '../services/log-files';

/** First folders of the log tree that hold logs (both layouts, SPEC §2.2). */
const LOG_ROOTS = new Set(['cron_log', 'cron', 'online_benchmark_log', 'online', 'test']);
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;
/** Lines shown before the asked line, and in all. */
const LINES_BEFORE = 200;
const WINDOW_LINES = 2000;
const MAX_LINE_CHARS = 4000;

const query = z.object({
  file: z.string('file is required').max(1000).refine((f) => {
    const parts = f.split('/');
    return parts.length >= 2 && LOG_ROOTS.has(parts[0]) && parts.every((p) => SEGMENT.test(p));
  }, 'file must be a path in the log tree'),
  line: z.coerce.number().int().min(1).max(1e9).default(1),
});

/**
 * Lines [from, from + count) of a file (1-based, split on LF only, as the ingest numbers them: a
 * progress bar's bare CR stays inside its line), streamed; `more` when the file goes on.
 */
async function readWindow(file: string, from: number, count: number): Promise<{ lines: string[]; more: boolean }> {
  const stream = fs.createReadStream(file);
  const decoder = new StringDecoder('utf8');
  const lines: string[] = [];
  let n = 1;
  let pending = '';
  const keep = (line: string) => lines.push(redactSecrets(line.length > MAX_LINE_CHARS ? line.slice(0, MAX_LINE_CHARS) : line.replace(/\r$/, '')));
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const text = pending + decoder.write(chunk);
      let start = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        if (n >= from) {
          if (lines.length === count) return { lines, more: true };
          keep(text.slice(start, nl));
        }
        n++;
        start = nl + 1;
      }
      // Only the part of an unfinished line that can still be shown is kept waiting.
      pending = text.slice(start, start + MAX_LINE_CHARS + 1);
    }
    pending += decoder.end();
    if (pending !== '' && n >= from && lines.length < count) keep(pending);
    return { lines, more: false };
  } finally {
    stream.destroy();
  }
}

export function logViewRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get('/log-view', async (req, res) => {
    const { file, line } = parseRequest(req, { query }).query;
    const abs = ctx.baseDir ? fileBelow(ctx.baseDir, ...file.split('/')) : null;
    if (!abs) throw new HttpError(404, 'Log file not found');
    const from = Math.max(1, line - LINES_BEFORE);
    const { lines, more } = await readWindow(abs, from, WINDOW_LINES);
    const to = from + Math.max(lines.length, 1) - 1;
    const next = to + 1;
    res.render('log-view', {
      title: file.split('/').pop(),
      file,
      from,
      to,
      lines,
      more,
      moreHref: `/log-view?file=${encodeURIComponent(file)}&line=${next + LINES_BEFORE}#L${next}`,
    });
  });
  return router;
}
