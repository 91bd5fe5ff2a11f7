/**
 * The nightly digest of SPEC §9 as data: a pure function of the rows loaded by digest/queries.ts plus
 * "now" and a few settings. Renderers (text, Teams card) only format what this returns.
 */
import type { Hardware } from '../core/hardware';
import { TASK_GROUPS, gsm8kThreshold, hasPlots, isValidationTask, plotBenchmarkName, sanityThreshold, taskGroup, taskOrder, type TaskGroup } from '../core/tasks';
import { nightState, passRate, sanityModelState, tallyStates, taskExists, taskState, type TaskState } from '../core/verdicts';
import { dashed } from '../core/dates';
import { plural } from '../core/words';
import { parseImageTag } from '../core/image-tag';
import type { NightChanges, StreakFacts } from '../read/history';
import type { AlertRow, NightRows, PlotRow, TaskRow } from '../read/digest';
import { failureCategoryLabel } from '../core/failure-rules';
import { describeGroups, groupFailures } from '../read/failures';

export interface DigestInput extends NightRows {
  /** New failures and recoveries vs the previous night (the dashboard's rule). */
  changes: NightChanges;
  /** Per task (and `Sanity: {model}`), the current failing streak. */
  streaks: Record<string, StreakFacts>;
  plots: PlotRow[];
  /** The night's alert_events (perf_regression, perf_suspect, missing_data) written by the alert scan. */
  alerts: AlertRow[];
  now: Date;
  repo: string;
  dashboardUrl: string;
  displayTimeZone: string;
}

export interface DigestTask {
  name: string;
  status: string;
  exists: boolean;
  /** The one display word of the task (issue 16.5), as on the pages. */
  state: TaskState;
  runtimeMinutes: number | null;
  gsm8k: number | null;
  threshold: number | null;
  belowThreshold: boolean;
  /** The stored error text (compat `error_message`). */
  error: string | null;
  /** Issue 15: `{category label}: {summary}` of a failing task's stored cause. */
  cause: string | null;
  /** The cause when known, else task_meta.failing_line (classified from the log), else the error. */
  failingLine: string | null;
  plotUrl: string | null;
  note: string | null;
}

export interface DigestSection {
  title: TaskGroup;
  tasks: DigestTask[];
}

export interface DigestSanity {
  model: string;
  status: string;
  accuracy: number | null;
  threshold: number | null;
  /** `name - GSM8K: x.x% (threshold ≥ y.y%)` or `name - GSM8K: N/A`. */
  line: string;
}

export interface Digest {
  title: string;
  hardware: Hardware;
  date: string;
  machine: string;
  machines: string[];
  generated: string;
  dockerImage: string | null;
  /** Set when the tag names another hardware (the compat fallback took any hardware's image). */
  imageHardwareMismatch: string | null;
  imageDate: string | null;
  /** `ran on image of YYYY-MM-DD` when the image date is not the report date. */
  imageBanner: string | null;
  overallStatus: string;
  /** Display counts (issue 16.5): one state per task and sanity model, passed + failed + unknown + notRun + noLogs = total. */
  counts: { total: number; passed: number; failed: number; unknown: number; notRun: number; noLogs: number; tasksRun: number; passRate: number | null };
  sections: DigestSection[];
  sanity: DigestSanity[];
  newFailures: Array<{ task: string; line: string }>;
  /** Issue 15: `2 × server failed to start, 1 × accuracy below threshold` (empty without stored causes). */
  failureCauses: string;
  /** `since` = the night it last failed (YYYY-MM-DD). */
  recoveries: Array<{ task: string; since: string }>;
  /** `since` = first night of the red streak (YYYY-MM-DD). */
  streaks: Array<{ task: string; since: string; nights: number; line: string }>;
  /** One line per benchmark configuration (the /alerts item), its worst moves first (issue 16.7). */
  perfRegressions: Array<{ kind: string; line: string }>;
  missing: string[];
  /** `alerts`: the /alerts page of this hardware and night (every moved metric). */
  links: { logs: string; dashboard: string; alerts: string };
}

/** `2025-11-30 05:10 PM PST`: wall time in the display zone with its real PST/PDT label. */
export function formatZoned(instant: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hour12: true,
    timeZoneName: 'short',
  }).formatToParts(instant);
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')} ${get('dayPeriod').toUpperCase()} ${get('timeZoneName')}`;
}

export function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

function plotUrlFor(task: string, input: DigestInput): string | null {
  const plots = input.plots.filter((p) => plotBenchmarkName(p.model) === task);
  // One link per benchmark: the standard plot when there is one (mi35x nights may also have `_all`).
  const chosen = plots.find((p) => p.file_name.endsWith('_standard.png')) ?? plots[0];
  return chosen ? `https://github.com/${input.repo}/blob/log/plot/${input.hw}/${chosen.model}/online/${chosen.file_name}` : null;
}

function toDigestTask(t: TaskRow, input: DigestInput): DigestTask {
  const exists = taskExists(t.task_exists, t.status, t.runtime_minutes);
  const threshold = isValidationTask(t.benchmark_name) ? null : (t.gsm8k_threshold ?? gsm8kThreshold(t.benchmark_name));
  const cause = t.status === 'fail' && t.failure_category && t.failure_summary ? `${failureCategoryLabel(t.failure_category)}: ${t.failure_summary}` : null;
  return {
    name: t.benchmark_name,
    status: t.status ?? 'unknown',
    exists,
    state: taskState(t.status, exists, input.run.no_logs),
    runtimeMinutes: t.runtime_minutes,
    gsm8k: t.gsm8k_accuracy,
    threshold,
    belowThreshold: t.below_threshold !== null ? t.below_threshold === 1 : t.gsm8k_accuracy !== null && threshold !== null && t.gsm8k_accuracy < threshold,
    error: t.error_message,
    cause,
    failingLine: cause ?? t.failing_line ?? t.error_message,
    plotUrl: hasPlots(t.benchmark_name) ? plotUrlFor(t.benchmark_name, input) : null,
    note: t.note,
  };
}

function sanityLine(model: string, accuracy: number | null, threshold: number | null): string {
  if (accuracy === null) return `${model} - GSM8K: N/A`;
  return `${model} - GSM8K: ${percent(accuracy)}${threshold !== null ? ` (threshold ≥ ${percent(threshold)})` : ''}`;
}

function formatBaseline(a: AlertRow): string {
  if (a.baseline_desc) return a.baseline_desc;
  return a.baseline_value !== null ? String(Math.round(a.baseline_value * 100) / 100) : 'baseline';
}

/** Moves a configuration's line spells out; the rest are counted (the /alerts page lists them all). */
const MOVES_PER_LINE = 3;

function perfMove(a: AlertRow): string {
  const delta = a.delta_pct === null ? 'n/a' : `${a.delta_pct >= 0 ? '+' : ''}${a.delta_pct.toFixed(1)}%`;
  const load = a.load_value >= 0 ? ` @ ${a.load_value}` : '';
  return `${a.metric}${load}: ${delta} vs ${formatBaseline(a)}`;
}

/**
 * The scan writes one event per metric × load; the digest, like /alerts, shows one line per
 * configuration: regressions first, biggest change first, suspects (tonight only) counted after.
 */
function perfLines(alerts: AlertRow[]): Digest['perfRegressions'] {
  const biggestFirst = (a: AlertRow, b: AlertRow) => Math.abs(b.delta_pct ?? 0) - Math.abs(a.delta_pct ?? 0);
  const items = new Map<string, { regressions: AlertRow[]; suspects: AlertRow[] }>();
  for (const a of alerts.filter((x) => x.kind.startsWith('perf_'))) {
    const item = items.get(a.subject) ?? { regressions: [], suspects: [] };
    (a.kind === 'perf_suspect' ? item.suspects : item.regressions).push(a);
    items.set(a.subject, item);
  }
  // Configurations with a regression first, then those with suspects only; by name within each.
  const ordered = [...items.entries()].sort(([sa, a], [sb, b]) => Number(!a.regressions.length) - Number(!b.regressions.length) || sa.localeCompare(sb));
  return ordered.map(([subject, { regressions, suspects }]) => {
    const lead = (regressions.length ? regressions : suspects).sort(biggestFirst);
    const counts = [regressions.length ? plural(regressions.length, 'regression') : '', suspects.length ? `${plural(suspects.length, 'suspect')} (tonight only)` : ''].filter(Boolean).join(', ');
    const more = lead.length > MOVES_PER_LINE ? '; …' : '';
    return { kind: lead[0].kind, line: `${subject}: ${counts} — ${lead.slice(0, MOVES_PER_LINE).map(perfMove).join('; ')}${more}` };
  });
}

export function buildDigest(input: DigestInput): Digest {
  const { run, hw, date } = input;
  // The own-hardware image when the extension knows it; the compat column may name another hardware's image.
  const dockerImage = run.has_run_meta ? (run.docker_image_own ?? run.docker_image) : run.docker_image;
  const tag = parseImageTag(dockerImage);
  const tasks = input.tasks.map((t) => toDigestTask(t, input));
  const tally = tallyStates([...tasks.map((t) => t.state), ...input.sanity.map((s) => sanityModelState(s.status, run.no_logs))]);
  const sections: DigestSection[] = TASK_GROUPS.map((g) => ({
    title: g.name,
    tasks: tasks.filter((t) => taskGroup(t.name) === g.name).sort((a, b) => taskOrder(a.name) - taskOrder(b.name)),
  }));

  const sanity = input.sanity.map((s) => {
    const threshold = s.threshold ?? sanityThreshold(s.model_name);
    return { model: s.model_name, status: s.status ?? 'unknown', accuracy: s.accuracy, threshold, line: sanityLine(s.model_name, s.accuracy, threshold) };
  });
  // The first failing line of a task; for a sanity model (`Sanity: X`) its accuracy line.
  const failingLine = (name: string): string =>
    tasks.find((t) => t.name === name)?.failingLine ?? sanity.find((s) => `Sanity: ${s.model}` === name)?.line ?? '(no error text recorded)';
  const base = input.dashboardUrl.replace(/\/+$/, '');
  const dashboard = `${base}/hardware/${hw}?date=${date}${input.machines.length > 1 ? `&machine=${encodeURIComponent(input.machine)}` : ''}`;
  return {
    title: `${dashed(date)} Daily CI Summary Report`,
    hardware: hw,
    date,
    machine: input.machine,
    machines: input.machines,
    generated: formatZoned(input.now, input.displayTimeZone),
    dockerImage,
    imageHardwareMismatch: tag && tag.hardware !== hw ? `image tag names ${tag.hardware}, not ${hw}` : null,
    imageDate: tag ? tag.imageDate : null,
    imageBanner: tag && tag.imageDate !== date ? `ran on image of ${dashed(tag.imageDate)}` : null,
    overallStatus: nightState({ overall_status: run.overall_status, no_logs: run.no_logs }),
    counts: { total: tally.total, passed: tally.pass, failed: tally.fail, unknown: tally.unknown, notRun: tally.not_run, noLogs: tally.no_logs, tasksRun: tally.ran, passRate: passRate(tally.pass, tally.fail) },
    sections,
    sanity,
    newFailures: input.changes.new_failures.map((task) => ({ task, line: failingLine(task) })),
    failureCauses: describeGroups(groupFailures(input.tasks.flatMap((t) => (t.status === 'fail' && t.failure_category ? [{ category: t.failure_category, task_name: t.benchmark_name }] : [])))),
    recoveries: input.changes.recoveries.map((task) => ({ task, since: input.changes.previous ? dashed(input.changes.previous) : '' })),
    streaks: Object.entries(input.streaks)
      .filter(([, f]) => f.failing_nights >= 2 && f.failing_since)
      .map(([task, f]) => ({ task, since: f.failing_since as string, nights: f.failing_nights, line: failingLine(task) })),
    perfRegressions: perfLines(input.alerts),
    missing: input.alerts.filter((a) => a.kind === 'missing_data').map((a) => `${a.subject}: ${a.baseline_desc ?? 'missing'}`),
    links: { logs: `https://github.com/${input.repo}/tree/log/cron_log/${hw}/${date}`, dashboard, alerts: `${base}/alerts?hw=${hw}&from=${date}&to=${date}` },
  };
}
