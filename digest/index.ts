/**
 * `ci-dash digest`: load one night, build the digest, store it under `alert_log/{hw}/{date}.json`,
 * print it (dry run) or deliver it once per (hw, night, channel), recording what really went out.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Settings } from '../config';
import type { Hardware } from '../core/hardware';
import { kyselyFor, openReader, type Db } from '../database/connection';
import { withLockedWriter, writeTargetFor } from '../database/write';
import { scanAlerts } from '../alerts/scan';
import { changesSincePrevious, streaks } from '../read/history';
import { buildDigest, type Digest } from './build';
import { DEFAULT_DELIVERY, postToWebhook, webhookUrl, WebhookConfigError, type DeliveryOptions } from './deliver';
import { renderTeamsCard, renderText } from './render';
import {
  alreadyDelivered, digestAlerts, plotsForNight, recordDelivery, resolveRun, runSanity, runTasks,
  type DigestChannel,
} from '../read/digest';

export interface DigestRequest {
  settings: Settings;
  dbPath: string;
  hw: Hardware;
  date: string;
  machine?: string | null;
  send: boolean;
  resend: boolean;
  channel: DigestChannel;
  /** `alert_log/` is created below this dir (the CLI's default: the database file's folder). */
  outDir: string;
  now?: Date;
  delivery?: DeliveryOptions;
  /**
   * Refresh the night's alert_events first (the same idempotent, triage-keeping scan as `ci-dash alerts
   * scan`), so perf regressions and missing data are current. Default true; false for a read-only look.
   */
  scanAlerts?: boolean;
  /** Progress and results for humans (stdout). */
  info: (line: string) => void;
  /** Problems (stderr). */
  warn: (line: string) => void;
}

export type DigestOutcome =
  | { kind: 'no-database' | 'not-ingested' | 'no-webhook'; message: string }
  | { kind: 'dry-run' | 'delivered' | 'already-delivered' | 'delivery-failed'; digest: Digest; text: string; payloadRelPath: string; message: string };

/** Loads the rows of one night and builds its digest; `notFound` when (hw, date[, machine]) has no run. */
export async function loadDigest(db: Db, req: Pick<DigestRequest, 'settings' | 'hw' | 'date' | 'machine' | 'now'>): Promise<Digest | { notFound: string }> {
  const { hw, date } = req;
  const resolved = await resolveRun(db, hw, date, req.machine);
  if ('notFound' in resolved) return resolved;
  const { run, machine, machines } = resolved;
  const [tasks, sanity, changes, streakFacts, plots, alerts] = await Promise.all([
    runTasks(db, run.id),
    runSanity(db, run.id),
    changesSincePrevious(db, hw, date, machine),
    streaks(db, hw, date, machine),
    plotsForNight(db, hw, date),
    digestAlerts(db, hw, date, machine),
  ]);
  return buildDigest({
    hw, date, machine, machines, run, tasks, sanity, changes, streaks: streakFacts, plots, alerts,
    now: req.now ?? new Date(),
    repo: req.settings.GITHUB_REPO,
    dashboardUrl: req.settings.DASHBOARD_URL,
    displayTimeZone: req.settings.DISPLAY_TIMEZONE,
  });
}

/** Writes `alert_log/{hw}/{date}.json` (digest + card) and returns its path relative to outDir. */
function storeDigest(outDir: string, digest: Digest, card: unknown): string {
  const rel = path.posix.join('alert_log', digest.hardware, `${digest.date}.json`);
  const file = path.join(outDir, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify({ digest, card }, null, 2)}\n`);
  fs.renameSync(tmp, file);
  return rel;
}

async function withReader<T>(dbPath: string, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = kyselyFor(openReader(dbPath));
  try {
    return await fn(db);
  } finally {
    await db.destroy();
  }
}

/** Writes under the shared lock (a sync may be replacing the DB file), ending with a checkpoint (SPEC §3.1). */
function withWriter<T>(req: DigestRequest, purpose: string, fn: (db: Db) => Promise<T>): Promise<T> {
  return withLockedWriter(writeTargetFor(req.settings, req.dbPath), purpose, ({ db }) => fn(db));
}

export async function runDigest(req: DigestRequest): Promise<DigestOutcome> {
  if (!fs.existsSync(req.dbPath)) return { kind: 'no-database', message: `No database at ${req.dbPath}; run \`ci-dash ingest\` or \`ci-dash sync pull\`` };
  let url: string | null = null;
  if (req.send && req.channel === 'teams') {
    try {
      url = webhookUrl(req.settings);
    } catch (err) {
      if (err instanceof WebhookConfigError) return { kind: 'no-webhook', message: err.message };
      throw err;
    }
  }
  if (req.scanAlerts !== false) {
    await withWriter(req, `digest alerts ${req.hw} ${req.date}`, (db) => scanAlerts(db, { hardware: [req.hw], date: req.date, days: 1, baseDir: req.settings.CI_BASE_DIR }));
  }
  const loaded = await withReader(req.dbPath, (db) => loadDigest(db, req));
  if ('notFound' in loaded) return { kind: 'not-ingested', message: loaded.notFound };
  const digest = loaded;
  const text = renderText(digest);
  const card = renderTeamsCard(digest);
  const payloadRelPath = storeDigest(req.outDir, digest, card);
  const base = { digest, text, payloadRelPath };
  if (!req.send) return { kind: 'dry-run', ...base, message: `Dry run: digest stored in ${payloadRelPath} (use --send to deliver)` };

  const label = `${req.hw} ${req.date} (${req.channel})`;
  // Under the lock the check-send-record sequence stays single (two cron jobs, or a sync replacing the file).
  return withWriter(req, `digest ${label}`, async (db) => {
    if (!req.resend && (await alreadyDelivered(db, req.hw, req.date, req.channel))) {
      return { kind: 'already-delivered' as const, ...base, message: `Digest for ${label} was already delivered; nothing sent (use --resend to send again)` };
    }
    let sent = true;
    let failure: string | null = null;
    if (req.channel === 'teams') {
      const result = await postToWebhook(url as string, card, req.delivery ?? DEFAULT_DELIVERY, req.warn);
      sent = result.ok;
      failure = result.ok ? null : `Teams delivery failed after ${result.attempts} attempts: ${result.error}`;
    } else if (req.channel === 'file') {
      fs.writeFileSync(path.join(req.outDir, payloadRelPath.replace(/\.json$/, '.txt')), text);
    } else {
      req.info(text.trimEnd());
    }
    await recordDelivery(db, { hw: req.hw, date: req.date, channel: req.channel, sent, payloadRelPath });
    return sent
      ? { kind: 'delivered' as const, ...base, message: `Digest for ${label} delivered` }
      : { kind: 'delivery-failed' as const, ...base, message: failure as string };
  });
}
