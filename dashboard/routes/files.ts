/**
 * File routes (SPEC §7.2, §11 S1/S2/S5): cron logs and plot images. Every segment is validated
 * against an allow-list or the file-name pattern; services/log-files decides what may be served
 * (real path inside the tree, regular files only) and streams logs redacted.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Router } from 'express';
import { z } from 'zod';
import { PROJECT_ROOT } from '../../config';
import type { AppContext } from '../context';
import { HttpError } from '../http-error';
import { compactDateParam, fileName, hardware, mode, model, parseRequest } from '../params';
import { dbState } from '../services/db-state';
import { cronDirs, fileBelow, firstFileBelow, localPlotFile, sendRedactedLog } from '../services/log-files';
import { isKnownPlot } from '../../read/plots';

const MAX_PLOT_BYTES = 10 * 1024 * 1024;
const FETCH_TIMEOUT_MS = 10_000;
/** The only remote host the plot proxy talks to. */
const PLOT_HOST = 'https://raw.githubusercontent.com';
const PLOT_CACHE_DIR = path.join(PROJECT_ROOT, '.cache', 'github-plots');
const PLOT_NOT_FOUND = 'Plot not found (local and GitHub)';

const logParams = z.object({ hw: hardware, date: compactDateParam, filename: fileName });
const plotParams = z.object({ hw: hardware, model, mode, filename: fileName });

/** Downloads one plot from the fixed host into the disk cache; null when absent, too big or slow. */
async function fetchPlot(repo: string, token: string | null, rel: string, dest: string): Promise<string | null> {
  if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repo)) return null;
  const headers: Record<string, string> = { 'User-Agent': 'ci-dash' };
  if (token) headers.Authorization = `Bearer ${token}`;
  try {
    const resp = await fetch(`${PLOT_HOST}/${repo}/log/plot/${rel}`, { headers, redirect: 'error', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (!resp.ok || !resp.body) return null;
    if (Number(resp.headers.get('content-length') ?? 0) > MAX_PLOT_BYTES) return null;
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of resp.body as unknown as AsyncIterable<Uint8Array>) {
      total += chunk.byteLength;
      if (total > MAX_PLOT_BYTES) return null;
      chunks.push(Buffer.from(chunk));
    }
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    const tmp = `${dest}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, Buffer.concat(chunks));
    fs.renameSync(tmp, dest);
    return dest;
  } catch {
    return null;
  }
}

export function filesRoutes(ctx: AppContext): Router {
  const router = Router();

  router.get('/logs/:hw/:date/:filename', (req, res) => {
    const { hw, date, filename } = parseRequest(req, { params: logParams }).params;
    const file = ctx.baseDir ? firstFileBelow(ctx.baseDir, cronDirs(hw, date).map((dir) => [...dir, filename])) : null;
    if (!file || !sendRedactedLog(res, file)) throw new HttpError(404, 'Log file not found');
  });

  router.get('/github-plots/:hw/:model/:mode/:filename', async (req, res) => {
    const { hw, model, mode, filename: name } = parseRequest(req, { params: plotParams }).params;
    if (!name.toLowerCase().endsWith('.png')) throw new HttpError(404, PLOT_NOT_FOUND);
    const send = (file: string) => {
      res.setHeader('Cache-Control', 'public, max-age=3600');
      // The path is vetted above; the plot cache lives under .cache, which send's dot-file rule would refuse.
      res.type('image/png').sendFile(file, { dotfiles: 'allow' });
    };
    const local = localPlotFile(ctx.baseDir, hw, model, mode, name);
    if (local) return send(local);
    const cached = fileBelow(PLOT_CACHE_DIR, hw, model, mode, name);
    if (cached) return send(cached);
    // Only files the ingest saw are fetched: the proxy is not an open door to the remote host.
    if (dbState(ctx.data) === 'ok' && (await isKnownPlot(ctx.data.db(), hw, model, mode, name))) {
      const fetched = await fetchPlot(ctx.settings.GITHUB_REPO, ctx.settings.GITHUB_TOKEN, `${hw}/${model}/${mode}/${name}`, path.join(PLOT_CACHE_DIR, hw, model, mode, name));
      if (fetched) return send(fetched);
    }
    throw new HttpError(404, PLOT_NOT_FOUND);
  });

  return router;
}
