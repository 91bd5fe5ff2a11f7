/**
 * File routes (SPEC §7.2, §11 S1/S2/S5): cron logs and plot images. Every segment is validated
 * against an allow-list or the file-name pattern, the path is resolved with realpath and must stay
 * inside the one allowed folder, and only regular files are served. Logs are redacted.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Router } from 'express';
import { PROJECT_ROOT } from '../../config';
import { type Hardware } from '../../core/hardware';
import { redactSecrets } from '../../core/redact';
import type { AppContext } from '../context';
import { dbState } from '../services/db-state';
import { isKnownPlot } from '../../read/plots';
import { FILE_NAME_RE, HttpError, parseDate, parseFileName, parseHardware, parseMode, parseModel } from '../validate';

const MAX_LOG_BYTES = 50 * 1024 * 1024;
const MAX_PLOT_BYTES = 10 * 1024 * 1024;
const FETCH_TIMEOUT_MS = 10_000;
/** The only remote host the plot proxy talks to. */
const PLOT_HOST = 'https://raw.githubusercontent.com';
const PLOT_CACHE_DIR = path.join(PROJECT_ROOT, '.cache', 'github-plots');

/**
 * `name` inside `dir` as a real regular file, or null. Both are resolved with realpath so a
 * symlink (of the file or of a parent) that leaves `dir` is refused.
 */
export function fileInside(dir: string, name: string): string | null {
  let realDir: string;
  let realFile: string;
  try {
    realDir = fs.realpathSync(dir);
    realFile = fs.realpathSync(path.join(realDir, name));
  } catch {
    return null;
  }
  if (path.dirname(realFile) !== realDir) return null;
  try {
    return fs.statSync(realFile).isFile() ? realFile : null;
  } catch {
    return null;
  }
}

/** Cron-log folder candidates of (hw, date) in both layouts (SPEC §2.2). */
function cronDirs(baseDir: string, hw: Hardware, date: string): string[] {
  return [path.join(baseDir, 'cron_log', hw, date), path.join(baseDir, 'cron', 'cron_log', hw, date)];
}

/** Names of the regular files in the cron-log folder of (hw, date); empty without a base dir. */
export function cronLogNames(baseDir: string | null, hw: Hardware, date: string): string[] {
  if (!baseDir) return [];
  const names = new Set<string>();
  for (const dir of cronDirs(baseDir, hw, date)) {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) if (e.isFile() && FILE_NAME_RE.test(e.name)) names.add(e.name);
  }
  return [...names].sort();
}

function plotDirs(baseDir: string, hw: Hardware, model: string, mode: string): string[] {
  return [path.join(baseDir, 'plot', hw, model, mode), path.join(baseDir, 'plots_server', model, mode)];
}

function firstInside(dirs: string[], name: string): string | null {
  for (const dir of dirs) {
    const hit = fileInside(dir, name);
    if (hit) return hit;
  }
  return null;
}

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
    const hw = parseHardware(req.params.hw);
    const date = parseDate(req.params.date, { allowDashes: false });
    const name = parseFileName(req.params.filename);
    const file = ctx.baseDir ? firstInside(cronDirs(ctx.baseDir, hw, date), name) : null;
    if (!file) throw new HttpError(404, 'Log file not found');
    if (fs.statSync(file).size > MAX_LOG_BYTES) throw new HttpError(404, 'Log file too large to display');
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('Content-Disposition', 'inline');
    res.type('text/plain; charset=utf-8').send(redactSecrets(fs.readFileSync(file, 'utf8')));
  });

  router.get('/github-plots/:hw/:model/:mode/:filename', async (req, res) => {
    const hw = parseHardware(req.params.hw);
    const model = parseModel(req.params.model);
    const mode = parseMode(req.params.mode);
    const name = parseFileName(req.params.filename);
    if (!name.toLowerCase().endsWith('.png')) throw new HttpError(404, 'Plot not found (local and GitHub)');
    const send = (file: string) => {
      res.setHeader('Cache-Control', 'public, max-age=3600');
      res.type('image/png').sendFile(file);
    };
    const local = ctx.baseDir ? firstInside(plotDirs(ctx.baseDir, hw, model, mode), name) : null;
    if (local) return send(local);
    const cached = fileInside(path.join(PLOT_CACHE_DIR, hw, model, mode), name);
    if (cached) return send(cached);
    // Only files the ingest saw are fetched: the proxy is not an open door to the remote host.
    if (dbState(ctx.data) === 'ok' && (await isKnownPlot(ctx.data.db(), hw, model, mode, name))) {
      const fetched = await fetchPlot(ctx.settings.GITHUB_REPO, ctx.settings.GITHUB_TOKEN, `${hw}/${model}/${mode}/${name}`, path.join(PLOT_CACHE_DIR, hw, model, mode, name));
      if (fetched) return send(fetched);
    }
    throw new HttpError(404, 'Plot not found (local and GitHub)');
  });

  return router;
}
