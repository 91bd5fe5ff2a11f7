/**
 * `ci-dash digest` (SPEC §9) and `ci-dash compare` (run vs run, or two online-benchmark CSVs).
 * There is deliberately no option that takes a webhook URL: it would end up in `ps` and shell history.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { isHardware, type Hardware } from '../core/hardware';
import { todayIn, toRealDate } from '../core/dates';
import { kyselyFor, openReader } from '../database/connection';
import { runDigest } from '../digest';
import { DEFAULT_DELIVERY } from '../digest/deliver';
import type { DigestChannel } from '../read/digest';
import { compareCsvFiles, compareRuns, formatCsvComparison, formatRunComparison, loadRunSnapshot, parseRunRef, type RunRef } from '../read/compare';
import { parsePerfCsv } from '../parsers/perf-csv';
import { readErrorText, readText } from '../ingest/read-file';
import { EXIT, UsageError, action, type CliContext } from './context';

function parseDateOption(value: string): string {
  const date = toRealDate(value);
  if (date === null) throw new UsageError(`invalid --date "${value}": expected a real calendar date YYYYMMDD`);
  return date;
}

function parseHardwareOption(value: string | undefined): Hardware {
  if (!isHardware(value)) throw new UsageError(`invalid --hardware "${value ?? ''}": expected mi30x or mi35x`);
  return value;
}

function parseDelays(value: string): number[] {
  const delays = value.split(',').map((v) => Number(v.trim()));
  if (delays.length !== 3 || delays.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new UsageError(`invalid --retry-delays "${value}": expected three comma-separated milliseconds, e.g. 2000,5000,15000`);
  }
  return delays;
}

interface DigestFlags {
  date?: string;
  hardware?: string;
  machine?: string;
  send?: boolean;
  resend?: boolean;
  channel: DigestChannel;
  outDir?: string;
  retryDelays?: string;
  timeoutMs?: string;
  scan?: boolean;
}

export async function digestCommand(ctx: CliContext, flags: DigestFlags): Promise<number> {
  const hw = parseHardwareOption(flags.hardware);
  const date = flags.date ? parseDateOption(flags.date) : todayIn(ctx.settings.CI_TIMEZONE, new Date());
  const timeoutMs = flags.timeoutMs === undefined ? DEFAULT_DELIVERY.timeoutMs : Number(flags.timeoutMs);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new UsageError(`invalid --timeout-ms "${flags.timeoutMs}"`);
  if (flags.resend && !flags.send) throw new UsageError('--resend only makes sense with --send');
  const outcome = await runDigest({
    settings: ctx.settings,
    dbPath: ctx.dbPath,
    hw,
    date,
    machine: flags.machine ?? null,
    send: !!flags.send,
    resend: !!flags.resend,
    channel: flags.channel,
    // Next to the DB (its data folder), never into the project checkout (issue 16).
    outDir: path.resolve(flags.outDir ?? path.dirname(path.resolve(ctx.dbPath))),
    scanAlerts: flags.scan !== false,
    delivery: { retryDelaysMs: flags.retryDelays ? parseDelays(flags.retryDelays) : DEFAULT_DELIVERY.retryDelaysMs, timeoutMs },
    info: ctx.info,
    warn: ctx.warn,
  });
  if (outcome.kind === 'no-webhook') throw new UsageError(outcome.message);
  if (!('digest' in outcome)) {
    ctx.warn(`❌ ${outcome.message}`);
    return EXIT.FAILED;
  }
  if (ctx.json) ctx.emit({ status: outcome.kind, payload: outcome.payloadRelPath, digest: outcome.digest });
  // The dry run prints the text digest; so does `--channel stdout` (from inside the delivery).
  else if (outcome.kind === 'dry-run') ctx.info(outcome.text.trimEnd());
  if (outcome.kind === 'delivery-failed') {
    ctx.warn(`❌ ${outcome.message}`);
    return EXIT.FAILED;
  }
  ctx.info(outcome.kind === 'delivered' || outcome.kind === 'already-delivered' ? `✅ ${outcome.message}` : outcome.message);
  return EXIT.OK;
}

interface CompareFlags {
  a?: string;
  b?: string;
  csv?: boolean;
}

function refOption(value: string | undefined, name: string): RunRef {
  if (!value) throw new UsageError(`--${name} is required (hw:YYYYMMDD[:machine]), or use --csv A.csv B.csv`);
  try {
    return parseRunRef(value);
  } catch (err) {
    throw new UsageError(`--${name}: ${(err as Error).message}`);
  }
}

export async function compareCommand(ctx: CliContext, files: string[], flags: CompareFlags): Promise<number> {
  if (flags.csv) {
    if (files.length !== 2) throw new UsageError('--csv takes exactly two files: ci-dash compare --csv A.csv B.csv');
    const texts = files.map((f) => {
      try {
        return readText(f);
      } catch (err) {
        throw new UsageError(`cannot read ${f}: ${readErrorText(err)}`);
      }
    });
    const parsed = texts.map((t) => parsePerfCsv(t));
    parsed.forEach((p, i) => p.problems.forEach((pr) => ctx.warn(`${files[i]}: line ${pr.line}: ${pr.message}`)));
    const result = compareCsvFiles(parsed[0], parsed[1]);
    if (ctx.json) ctx.emit({ a: files[0], b: files[1], ...result });
    else ctx.info(formatCsvComparison(result, files[0], files[1]));
    if (result.rows.length === 0) {
      ctx.warn('❌ no common (metric, load) pairs between the two files');
      return EXIT.FAILED;
    }
    return EXIT.OK;
  }
  if (files.length > 0) throw new UsageError('file arguments are only accepted with --csv');
  const refA = refOption(flags.a, 'a');
  const refB = refOption(flags.b, 'b');
  if (!fs.existsSync(ctx.dbPath)) {
    ctx.warn(`❌ No database at ${ctx.dbPath}`);
    return EXIT.FAILED;
  }
  const db = kyselyFor(openReader(ctx.dbPath));
  try {
    const [a, b] = await Promise.all([loadRunSnapshot(db, refA), loadRunSnapshot(db, refB)]);
    if ('notFound' in a || 'notFound' in b) {
      for (const snap of [a, b]) if ('notFound' in snap) ctx.warn(`❌ ${snap.notFound}`);
      return EXIT.FAILED;
    }
    const result = compareRuns(a, b);
    if (ctx.json) ctx.emit(result);
    else ctx.info(formatRunComparison(result));
    return EXIT.OK;
  } finally {
    await db.destroy();
  }
}

export function registerDigestCommands(program: Command): void {
  program
    .command('digest')
    .description('build the nightly digest of one hardware (dry run prints it; --send delivers it once)')
    .option('--date <YYYYMMDD>', 'night to report (default: today in CI_TIMEZONE)')
    .requiredOption('--hardware <hw>', 'mi30x or mi35x')
    .option('--machine <name>', 'machine of a multi-machine night (default: the usual machine)')
    .option('--send', 'deliver the digest (default: dry run, prints the text)')
    .option('--resend', 'deliver again even if this night was already delivered on the channel')
    .addOption(new Option('--channel <channel>', 'where --send delivers').choices(['teams', 'file', 'stdout']).default('teams'))
    .option('--no-scan', 'do not refresh the night\'s alerts first (read the alert_events as they are)')
    .option('--out-dir <dir>', 'directory that receives alert_log/{hw}/{date}.json (default: the folder of the database file)')
    .option('--retry-delays <ms,ms,ms>', 'waits before the 3 Teams retries', DEFAULT_DELIVERY.retryDelaysMs.join(','))
    .option('--timeout-ms <ms>', 'per-request timeout of the Teams webhook', String(DEFAULT_DELIVERY.timeoutMs))
    .addHelpText('after', '\nThe webhook URL is read from TEAMS_WEBHOOK_URL or the file named by TEAMS_WEBHOOK_FILE, never from the command line.')
    .action(action(digestCommand));

  program
    .command('compare')
    .description('compare two runs (--a hw:date[:machine] --b hw:date[:machine]) or two online-benchmark CSV files (--csv A B)')
    .argument('[files...]', 'with --csv: the two CSV files')
    .option('--a <run>', 'baseline run, hw:YYYYMMDD[:machine]')
    .option('--b <run>', 'compared run, hw:YYYYMMDD[:machine]')
    .option('--csv', 'compare two online-benchmark CSV result files')
    .action(action(compareCommand));
}
