/**
 * `ci-dash alerts scan` (SPEC §9): evaluates the rules for the chosen nights and upserts
 * `alert_events`. Idempotent: an event is identified by its UNIQUE key; a re-scan updates the numbers
 * only when they changed (no `updated_at` churn) and never touches `state`/`note`. Untriaged events
 * that the rules no longer produce (data re-ingested) are removed; triaged ones are kept.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Hardware } from '../core/hardware';
import type { Db } from '../database/connection';
import { utcTimestamp } from '../database/connection';
import { gsm8kThreshold, isValidationTask, sanityThreshold } from '../core/tasks';
import { hasVerdict } from '../core/verdicts';
import { shiftDate } from '../core/dates';
import { metricNamesOn, metricPoints } from '../read/perf';
import { BASELINE_NIGHTS, classifyRunError, isAlertMetric, round } from '../core/alert-rules';
import { baselineImage, buildSeries, evaluate } from '../read/alert-series';
import { imageOfResultDir } from '../core/image-tag';

export const ALERT_KINDS = ['accuracy_below_threshold', 'new_failure', 'recovered', 'perf_regression', 'perf_suspect', 'missing_data', 'docker_image_missing', 'run_error'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export interface AlertCandidate {
  kind: AlertKind;
  run_date: string;
  hardware: Hardware;
  machine_name: string;
  subject: string;
  metric: string;
  load_value: number;
  current_value: number | null;
  baseline_value: number | null;
  baseline_desc: string | null;
  delta_pct: number | null;
  /** The image the event's numbers come from, and the one its baseline (or the previous run) used. */
  docker_image: string | null;
  baseline_docker_image: string | null;
}

export interface ScanOptions {
  hardware: readonly Hardware[];
  /** Last night to scan (YYYYMMDD); default: each hardware's newest run date. */
  date?: string | null;
  /** How many calendar days ending at `date` (default 1). */
  days?: number;
  /** Base dir of the logs, for the run-error classification; without it the stored error text is used. */
  baseDir?: string | null;
}

export interface ScanReport {
  nights: Array<{ hardware: Hardware; date: string }>;
  inserted: number;
  updated: number;
  unchanged: number;
  removed: number;
  byKind: Record<string, number>;
  /** Perf series tonight without a baseline (not alerted) and with an untrusted number (accuracy gate). */
  insufficient_data: number;
  untrusted: number;
}

const SERVER_LOG_TAIL_BYTES = 256 * 1024;
const MISSING_DATA_LOOKBACK = 5;
const MISSING_DATA_MIN_VERDICTS = 3;

export async function scanAlerts(db: Db, opts: ScanOptions): Promise<ScanReport> {
  const report: ScanReport = { nights: [], inserted: 0, updated: 0, unchanged: 0, removed: 0, byKind: {}, insufficient_data: 0, untrusted: 0 };
  for (const hw of opts.hardware) {
    const last = opts.date ?? (await db.selectFrom('test_runs').select((eb) => eb.fn.max('run_date').as('d')).where('hardware', '=', hw).executeTakeFirst())?.d;
    if (!last) continue;
    const first = shiftDate(last, -((opts.days ?? 1) - 1));
    const dates = (await db.selectFrom('test_runs').select('run_date').distinct().where('hardware', '=', hw).where('run_date', '>=', first).where('run_date', '<=', last).orderBy('run_date').execute()).map((r) => r.run_date);
    for (const date of dates) {
      const candidates = [...(await runEvents(db, hw, date, opts.baseDir ?? null)), ...(await perfEvents(db, hw, date, report))];
      await store(db, hw, date, candidates, report);
      report.nights.push({ hardware: hw, date });
    }
  }
  return report;
}

async function runEvents(db: Db, hw: Hardware, date: string, baseDir: string | null): Promise<AlertCandidate[]> {
  const out: AlertCandidate[] = [];
  const runs = await db
    .selectFrom('test_runs as tr')
    .leftJoin('run_meta as rm', 'rm.test_run_id', 'tr.id')
    .select(['tr.id', 'tr.machine_name', 'tr.docker_image', 'rm.cron_dir_present', 'rm.docker_required_missing'])
    .where('tr.hardware', '=', hw)
    .where('tr.run_date', '=', date)
    .orderBy('tr.id')
    .execute();
  for (const run of runs) {
    const machine = run.machine_name ?? '';
    // new_failure / recovered / missing_data compare with the previous runs of the same hw + machine.
    const previous = await db
      .selectFrom('test_runs')
      .select(['id', 'run_date', 'docker_image'])
      .where('hardware', '=', hw)
      .where('machine_name', run.machine_name === null ? 'is' : '=', run.machine_name)
      .where('run_date', '<', date)
      .orderBy('run_date', 'desc')
      .limit(MISSING_DATA_LOOKBACK)
      .execute();
    const lastRun = previous[0];
    const event = (e: Partial<AlertCandidate> & Pick<AlertCandidate, 'kind' | 'subject'>): AlertCandidate => ({
      run_date: date,
      hardware: hw,
      machine_name: machine,
      metric: '',
      load_value: -1,
      current_value: null,
      baseline_value: null,
      baseline_desc: null,
      delta_pct: null,
      docker_image: run.docker_image,
      baseline_docker_image: lastRun?.docker_image ?? null,
      ...e,
    });
    const tasks = await db
      .selectFrom('benchmark_results as br')
      .leftJoin('task_meta as tm', 'tm.benchmark_result_id', 'br.id')
      .select(['br.benchmark_name', 'br.status', 'br.gsm8k_accuracy', 'br.error_message', 'tm.gsm8k_threshold', 'tm.source', 'tm.source_rel_path'])
      .where('br.test_run_id', '=', run.id)
      .orderBy('br.benchmark_name')
      .execute();

    // accuracy_below_threshold: online tasks against their GSM8K threshold.
    for (const t of tasks) {
      if (t.gsm8k_accuracy === null || isValidationTask(t.benchmark_name)) continue;
      const threshold = t.gsm8k_threshold ?? gsm8kThreshold(t.benchmark_name);
      if (t.gsm8k_accuracy < threshold) out.push(event({ kind: 'accuracy_below_threshold', subject: t.benchmark_name, metric: 'gsm8k_accuracy', current_value: t.gsm8k_accuracy, baseline_value: threshold, baseline_desc: `threshold ${threshold}`, delta_pct: round(((t.gsm8k_accuracy - threshold) / threshold) * 100, 2) }));
    }
    // ... and sanity models: a model passes if any trial reaches its threshold, so the best trial counts when known.
    const models = await db.selectFrom('sanity_models').select(['model_name', 'status', 'mean_accuracy', 'best_accuracy', 'threshold']).where('test_run_id', '=', run.id).execute();
    const sanity = models.length
      ? models.filter((m) => m.status !== 'skipped').map((m) => ({ model: m.model_name, accuracy: m.best_accuracy ?? m.mean_accuracy, threshold: m.threshold ?? sanityThreshold(m.model_name) }))
      : (await db.selectFrom('sanity_check_results').select(['model_name', 'accuracy']).where('test_run_id', '=', run.id).execute()).map((m) => ({ model: m.model_name, accuracy: m.accuracy, threshold: sanityThreshold(m.model_name) }));
    for (const s of sanity) {
      if (s.accuracy === null || s.threshold === null || s.accuracy >= s.threshold) continue;
      out.push(event({ kind: 'accuracy_below_threshold', subject: `Sanity: ${s.model}`, metric: 'gsm8k_accuracy', current_value: s.accuracy, baseline_value: s.threshold, baseline_desc: `threshold ${s.threshold}`, delta_pct: round(((s.accuracy - s.threshold) / s.threshold) * 100, 2) }));
    }

    const prevStatus = new Map<number, Map<string, string | null>>(previous.map((p) => [p.id, new Map()]));
    if (previous.length) {
      const rows = await db.selectFrom('benchmark_results').select(['test_run_id', 'benchmark_name', 'status']).where('test_run_id', 'in', previous.map((p) => p.id)).execute();
      for (const r of rows) prevStatus.get(r.test_run_id)?.set(r.benchmark_name, r.status);
    }
    for (const t of tasks) {
      if (lastRun) {
        const was = prevStatus.get(lastRun.id)?.get(t.benchmark_name) ?? null;
        const desc = `previous run ${lastRun.run_date}: ${was ?? 'absent'}`;
        // "New" only against a verdict: after unknown / not run / no row the task may have been failing all along.
        if (t.status === 'fail' && was === 'pass') out.push(event({ kind: 'new_failure', subject: t.benchmark_name, baseline_desc: desc }));
        if (t.status === 'pass' && was === 'fail') out.push(event({ kind: 'recovered', subject: t.benchmark_name, baseline_desc: desc }));
      }
      if (!hasVerdict(t.status)) {
        const verdicts = previous.filter((p) => hasVerdict(prevStatus.get(p.id)?.get(t.benchmark_name))).length;
        if (verdicts >= MISSING_DATA_MIN_VERDICTS) out.push(event({ kind: 'missing_data', subject: t.benchmark_name, baseline_desc: `${t.status ?? 'no status'} tonight; a verdict on ${verdicts} of the previous ${previous.length} runs` }));
      }
    }
    if (run.cron_dir_present === 0) out.push(event({ kind: 'missing_data', subject: 'cron logs', baseline_desc: `no cron_log/${hw}/${date} dir` }));

    // docker_image_missing: corrected counts when the extension rows exist, else the compat message.
    let dockerMissing = run.docker_required_missing ?? null;
    if (dockerMissing === null) {
      for (const t of tasks) {
        const m = /(\d+) Docker image\(s\) not available/.exec(t.error_message ?? '');
        if (m) dockerMissing = Math.max(dockerMissing ?? 0, Number(m[1]));
      }
    }
    if (dockerMissing !== null && dockerMissing > 0) out.push(event({ kind: 'docker_image_missing', subject: 'Docker image', current_value: dockerMissing, baseline_desc: `${dockerMissing} required image(s) missing` }));

    // run_error: why an online task failed.
    for (const t of tasks) {
      if (t.status !== 'fail' || isValidationTask(t.benchmark_name)) continue;
      const files = readRunFiles(baseDir, t.source === 'timing_summary' ? t.source_rel_path : null);
      const threshold = t.gsm8k_threshold ?? gsm8kThreshold(t.benchmark_name);
      const cls = classifyRunError(files?.summary ?? t.error_message ?? '', files?.serverTail ?? '', {
        deepseek: t.benchmark_name.includes('DeepSeek'),
        gsm8kPassed: t.gsm8k_accuracy !== null && t.gsm8k_accuracy >= threshold,
      });
      out.push(event({ kind: 'run_error', subject: t.benchmark_name, metric: cls, baseline_desc: files ? `from ${t.source_rel_path}` : 'from the stored error text' }));
    }
  }
  return out;
}

/** The timing summary and the last 256 KB of the server log next to it; null when not readable. */
function readRunFiles(baseDir: string | null, summaryRel: string | null): { summary: string; serverTail: string } | null {
  if (!baseDir || !summaryRel) return null;
  const root = path.resolve(baseDir);
  const summaryPath = path.resolve(root, summaryRel);
  if (!summaryPath.startsWith(root + path.sep)) return null;
  try {
    const summary = fs.readFileSync(summaryPath, 'utf8');
    let serverTail = '';
    const serverLog = path.join(path.dirname(summaryPath), 'sglang_server.log');
    if (fs.existsSync(serverLog)) {
      const fd = fs.openSync(serverLog, 'r');
      try {
        const size = fs.fstatSync(fd).size;
        const len = Math.min(size, SERVER_LOG_TAIL_BYTES);
        const buf = Buffer.alloc(len);
        fs.readSync(fd, buf, 0, len, size - len);
        serverTail = buf.toString('utf8');
      } finally {
        fs.closeSync(fd);
      }
    }
    return { summary, serverTail };
  } catch {
    return null;
  }
}

async function perfEvents(db: Db, hw: Hardware, date: string, report: ScanReport): Promise<AlertCandidate[]> {
  // Only tonight's alertable metrics can raise an event: the other half of the rows is not read.
  const metrics = (await metricNamesOn(db, hw, date)).filter(isAlertMetric);
  if (!metrics.length) return [];
  // The previous night's own verdict needs its baseline too: two windows back.
  const rows = await metricPoints(db, { hw, from: shiftDate(date, -2 * BASELINE_NIGHTS - 1), to: date, metrics });
  const out: AlertCandidate[] = [];
  for (const series of buildSeries(rows)) {
    const tonight = evaluate(series).points.find((p) => p.date === date);
    if (!tonight) continue;
    if (tonight.verdict === 'insufficient_data') report.insufficient_data++;
    if (tonight.verdict === 'untrusted') report.untrusted++;
    if (tonight.verdict !== 'perf_regression' && tonight.verdict !== 'perf_suspect') continue;
    out.push({
      kind: tonight.verdict,
      run_date: date,
      hardware: hw,
      machine_name: tonight.machine_name ?? '',
      subject: `${series.benchmark} [${series.mode}]`,
      metric: series.metric,
      load_value: series.load_value,
      current_value: tonight.value,
      baseline_value: tonight.baseline,
      baseline_desc: `${series.load_kind === 'concurrency' ? 'concurrency' : 'request rate'} ${series.load_value}; ${tonight.baseline_desc}`,
      delta_pct: tonight.delta_pct,
      docker_image: imageOfResultDir(tonight.result_dir),
      baseline_docker_image: baselineImage(series.points, date),
    });
  }
  return out;
}

/** What a re-scan may refresh on an existing event (never its key, state or note). */
const FACT_COLUMNS = ['current_value', 'baseline_value', 'baseline_desc', 'delta_pct', 'docker_image', 'baseline_docker_image'] as const;
const pick = <T extends object, K extends keyof T>(o: T, keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, o[k]])) as Pick<T, K>;

const keyOf = (e: Pick<AlertCandidate, 'kind' | 'machine_name' | 'subject' | 'metric' | 'load_value'>) => JSON.stringify([e.kind, e.machine_name, e.subject, e.metric, e.load_value]);

async function store(db: Db, hw: Hardware, date: string, candidates: AlertCandidate[], report: ScanReport): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('alert_events').selectAll().where('hardware', '=', hw).where('run_date', '=', date).execute();
    const byKey = new Map(existing.map((e) => [keyOf(e as unknown as AlertCandidate), e]));
    const produced = new Set<string>();
    for (const c of candidates) {
      const key = keyOf(c);
      if (produced.has(key)) continue;
      produced.add(key);
      report.byKind[c.kind] = (report.byKind[c.kind] ?? 0) + 1;
      const have = byKey.get(key);
      if (!have) {
        const now = utcTimestamp();
        await trx.insertInto('alert_events').values({ ...c, created_at: now, updated_at: now }).execute();
        report.inserted++;
      } else if (FACT_COLUMNS.some((col) => have[col] !== c[col])) {
        // Numbers and images only; state and note belong to the people triaging.
        await trx
          .updateTable('alert_events')
          .set({ ...pick(c, FACT_COLUMNS), updated_at: utcTimestamp() })
          .where('id', '=', have.id)
          .execute();
        report.updated++;
      } else report.unchanged++;
    }
    const stale = existing.filter((e) => !produced.has(keyOf(e as unknown as AlertCandidate)) && e.state === 'new' && e.note === null && (ALERT_KINDS as readonly string[]).includes(e.kind));
    if (stale.length) {
      await trx.deleteFrom('alert_events').where('id', 'in', stale.map((e) => e.id)).execute();
      report.removed += stale.length;
    }
  });
}
