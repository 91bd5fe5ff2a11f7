/**
 * `ci-dash ingest` (SPEC §5): turns the CI logs of some nights into DB rows. Validates every input
 * before any work (exit 2), prints one line per night and a summary, exits 1 if a night failed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { HARDWARE, isHardware, type Hardware } from '../core/hardware';
import { dateRange, isRealDate, shiftDate, todayIn as calendarTodayIn } from '../core/dates';
import { DatabaseOpenError } from '../database/connection';
import { runIngest, type IngestSummary, type NightOutcome } from '../ingest';
import { LayoutError } from '../ingest/source-tree';
import { EXIT, UsageError, action, type CliContext } from './context';

interface IngestFlags {
  date?: string;
  backfill?: string;
  from?: string;
  to?: string;
  datesFrom?: string;
  hardware: string;
  baseDir?: string;
  layout: 'auto' | 'branch' | 'machine';
  machineName?: string;
  force?: boolean;
  extensions: boolean;
}

function checkDate(value: string, option: string): string {
  if (!isRealDate(value)) throw new UsageError(`${option} ${JSON.stringify(value)} is not a real calendar date in YYYYMMDD form`);
  return value;
}

/** Today's date (YYYYMMDD) in the CI time zone (the cron dirs use Central-time dates); a usage error for an unknown zone. */
export function todayIn(timeZone: string, now: Date = new Date()): string {
  try {
    return calendarTodayIn(timeZone, now);
  } catch {
    throw new UsageError(`CI_TIMEZONE ${JSON.stringify(timeZone)} is not a known time zone`);
  }
}

/** The (date, hw) pairs of an oracle/expected JSON file's `test_runs`. */
function nightsFromFile(file: string): Array<{ date: string; hw: Hardware }> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`--dates-from ${file}: ${(err as Error).message}`);
  }
  const runs = (parsed as { test_runs?: unknown }).test_runs;
  if (!Array.isArray(runs)) throw new UsageError(`--dates-from ${file}: no "test_runs" array`);
  const seen = new Set<string>();
  const out: Array<{ date: string; hw: Hardware }> = [];
  runs.forEach((run: { run_date?: unknown; hardware?: unknown }, i) => {
    const date = String(run.run_date ?? '');
    if (!isRealDate(date) || !isHardware(run.hardware)) {
      throw new UsageError(`--dates-from ${file}: test_runs[${i}] needs a YYYYMMDD run_date and a hardware of ${HARDWARE.join('/')}`);
    }
    const key = `${date}|${run.hardware}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push({ date, hw: run.hardware });
    }
  });
  return out;
}

interface Plan {
  /** Groups of one runIngest call each (dates × hardware). */
  groups: Array<{ dates: string[]; hardware: Hardware[] }>;
  baseDir: string;
}

function plan(flags: IngestFlags, ctx: CliContext): Plan {
  const chosen = (['date', 'backfill', 'from', 'datesFrom'] as const).filter((k) => flags[k] !== undefined);
  if (chosen.length > 1) {
    const names = { date: '--date', backfill: '--backfill', from: '--from', datesFrom: '--dates-from' };
    throw new UsageError(`${chosen.map((k) => names[k]).join(' and ')} cannot be used together`);
  }
  if (flags.to !== undefined && flags.from === undefined) throw new UsageError('--to needs --from');
  if (!['mi30x', 'mi35x', 'both'].includes(flags.hardware)) throw new UsageError(`--hardware must be mi30x, mi35x or both (got ${JSON.stringify(flags.hardware)})`);
  const hardware: Hardware[] = flags.hardware === 'both' ? [...HARDWARE] : [flags.hardware as Hardware];

  const baseDirRaw = flags.baseDir ?? ctx.settings.CI_BASE_DIR;
  if (!baseDirRaw) throw new UsageError('no base dir: pass --base-dir or set CI_BASE_DIR');
  const baseDir = path.resolve(baseDirRaw);
  if (!fs.existsSync(baseDir) || !fs.statSync(baseDir).isDirectory()) throw new UsageError(`base dir ${baseDir} is not a directory`);

  if (flags.datesFrom !== undefined) {
    const nights = nightsFromFile(flags.datesFrom).filter((n) => hardware.includes(n.hw));
    const groups = hardware.map((hw) => ({ dates: nights.filter((n) => n.hw === hw).map((n) => n.date), hardware: [hw] })).filter((g) => g.dates.length > 0);
    return { groups, baseDir };
  }
  const today = todayIn(ctx.settings.CI_TIMEZONE);
  let dates: string[];
  if (flags.backfill !== undefined) {
    const n = Number(flags.backfill);
    if (!/^\d+$/.test(flags.backfill) || n < 1 || n > 3660) throw new UsageError(`--backfill needs a whole number of days from 1 to 3660 (got ${JSON.stringify(flags.backfill)})`);
    dates = dateRange(shiftDate(today, 1 - n), today);
  } else if (flags.from !== undefined) {
    const from = checkDate(flags.from, '--from');
    const to = flags.to !== undefined ? checkDate(flags.to, '--to') : today;
    if (from > to) throw new UsageError(`--from ${from} is after --to ${to}`);
    dates = dateRange(from, to);
  } else {
    dates = [flags.date !== undefined ? checkDate(flags.date, '--date') : today];
  }
  return { groups: [{ dates, hardware }], baseDir };
}

function progressBar(index: number, total: number, label: string): string {
  const width = 24;
  const done = Math.round((index / Math.max(total, 1)) * width);
  return `[${'#'.repeat(done)}${'.'.repeat(width - done)}] ${index}/${total} ${label}`;
}

/** The symbol says what the night was: green only for a passing night; an empty or failed one never is. */
const OVERALL_SYMBOL: Record<string, string> = { passed: '✅', failed: '❌', partial: '⚠️', unknown: '⚠️' };

/**
 * One warning line as `<path>: <reason>`. A message that already names its file (`x.log line 16: …`,
 * so that it reads alone in the DB and on /health) gets the file's tree path in place of the bare
 * name instead of a second copy of it.
 */
export function issueLine(issue: { rel_path: string | null; message: string }): string {
  const rel = issue.rel_path;
  if (!rel || issue.message.includes(rel)) return `warning: ${issue.message}`;
  const name = path.posix.basename(rel);
  if (issue.message.startsWith(`${name} `) || issue.message.startsWith(`${name}:`)) return `warning: ${rel}${issue.message.slice(name.length)}`;
  return `warning: ${rel}: ${issue.message}`;
}

function nightLine(o: NightOutcome): string {
  const head = `Ingesting ${o.date} (${o.hardware})…`;
  if (o.state === 'failed') return `${head} ❌ ingest failed: ${o.error}`;
  if (o.state === 'no-logs') return `${head} ⚪ no logs${o.note ? ` (${o.note})` : ''}`;
  const machine = o.machineSource === 'inferred' ? `; machine ${o.machineName} inferred from nearby nights` : '';
  const kept = o.kept ? `; kept ${o.kept} stored result(s) whose logs are missing or unreadable` : '';
  return `${head} ${OVERALL_SYMBOL[o.overall ?? 'unknown'] ?? '⚠️'} ${o.passed}/${o.total} passed (${o.overall})${machine}${kept}`;
}

function summaryLine(summaries: IngestSummary[]): string {
  const sum = (pick: (s: IngestSummary) => number) => summaries.reduce((n, s) => n + pick(s), 0);
  const tables = Object.keys(summaries[0]?.rows ?? {}) as Array<keyof IngestSummary['rows']>;
  const rows = tables
    .map((t) => [t, sum((s) => s.rows[t])] as const)
    .filter(([, n]) => n > 0)
    .map(([t, n]) => `${t} ${n}`)
    .join(', ');
  const kept = sum((s) => s.kept);
  const keptNote = kept > 0 ? `; ${kept} stored result(s) kept (their logs are missing or unreadable; --force re-derives)` : '';
  return `Done: ${sum((s) => s.nights)} night(s): ${sum((s) => s.ingested)} ingested, ${sum((s) => s.noLogs)} without logs, ${sum((s) => s.failed)} failed; rows: ${rows || 'none'}${keptNote}; ${sum((s) => s.issues)} issue(s); ${sum((s) => s.seconds).toFixed(1)} s`;
}

async function ingestCommand(ctx: CliContext, flags: IngestFlags): Promise<number> {
  const { groups, baseDir } = plan(flags, ctx);
  const tty = !!process.stderr.isTTY && !ctx.json && !ctx.quiet;
  const total = groups.reduce((n, g) => n + g.dates.length * g.hardware.length, 0);
  let offset = 0;
  const summaries: IngestSummary[] = [];
  const clearBar = () => tty && process.stderr.write('\r\x1b[2K');
  try {
    for (const group of groups) {
      const summary = await runIngest({
        dbPath: ctx.dbPath,
        baseDir,
        dates: group.dates,
        hardware: group.hardware,
        layout: flags.layout,
        machineName: flags.machineName ?? null,
        force: flags.force === true,
        extensions: flags.extensions,
        settings: ctx.settings,
        command: ['ci-dash', ...process.argv.slice(2)].join(' '),
        onProgress: ({ index, date, hardware, result }) => {
          if (!result) {
            if (tty) process.stderr.write(`\r\x1b[2K${progressBar(offset + index, total, `${date} ${hardware}`)}`);
            return;
          }
          clearBar();
          for (const issue of result.issues) ctx.warn(issueLine(issue));
          ctx.info(nightLine(result));
          if (ctx.json) {
            ctx.emit({
              date: result.date,
              hardware: result.hardware,
              ok: result.ok,
              outcome: result.state,
              machine_name: result.machineName,
              machine_source: result.machineSource ?? null,
              kept_results: result.kept ?? 0,
              passed_tasks: result.passed ?? null,
              total_tasks: result.total ?? null,
              overall_status: result.overall ?? null,
              error: result.error ?? null,
            });
          }
        },
      });
      offset += summary.nights;
      summaries.push(summary);
    }
  } catch (err) {
    clearBar();
    if (err instanceof LayoutError) throw new UsageError(err.message);
    if (err instanceof DatabaseOpenError) {
      ctx.warn(`ci-dash ingest: ${err.message}`);
      return EXIT.FAILED;
    }
    throw err;
  }
  ctx.info(summaryLine(summaries));
  return summaries.some((s) => s.failed > 0) ? EXIT.FAILED : EXIT.OK;
}

export function registerIngestCommands(program: Command): void {
  program
    .command('ingest')
    .description('parse the CI logs of some nights into the database (one transaction per night)')
    .option('--date <YYYYMMDD>', 'one date (default: today in CI_TIMEZONE)')
    .option('--backfill <N>', 'the N days ending today, oldest first')
    .option('--from <YYYYMMDD>', 'first date of an inclusive range')
    .option('--to <YYYYMMDD>', 'last date of the range (default: today; needs --from)')
    .option('--dates-from <expected.json>', "every (run_date, hardware) of the file's test_runs")
    .option('--hardware <hw>', 'mi30x, mi35x or both', 'both')
    .option('--base-dir <dir>', 'CI log tree (env CI_BASE_DIR or SGL_BENCHMARK_CI_DIR)')
    .addOption(new Option('--layout <layout>', 'tree layout').choices(['auto', 'branch', 'machine']).default('auto'))
    .option('--machine-name <name>', 'machine_name of nights whose logs name no machine')
    .option('--force', 're-derive every night from what the tree holds (default: a stored result whose log is now missing or unreadable is kept)')
    .option('--no-extensions', 'compat tables only (faster acceptance runs)')
    .action(action((ctx, flags: IngestFlags) => ingestCommand(ctx, flags)));
}
