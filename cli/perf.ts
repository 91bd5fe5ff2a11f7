/**
 * `ci-dash import perf-json <file|dir>` (SPEC §10.1) and `ci-dash alerts scan` (SPEC §9). Both write
 * under the shared DB lock and end with a checkpoint so the `.db` file alone is complete.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { HARDWARE, type Hardware } from '../core/hardware';
import type { Db } from '../database/connection';
import { withLockedWriter, writeTargetFor } from '../database/write';
import { importPerfJson, perfJsonFiles } from '../ingest/perf-json-import';
import { toRealDate } from '../core/dates';
import { scanAlerts } from '../alerts/scan';
import { EXIT, UsageError, action, type CliContext } from './context';

/** Runs `fn` with a writer connection under the DB lock, then checkpoints. */
function withWriter<T>(ctx: CliContext, purpose: string, fn: (db: Db) => Promise<T>): Promise<T> {
  return withLockedWriter(writeTargetFor(ctx.settings, ctx.dbPath), purpose, ({ db }) => fn(db));
}

async function importPerf(ctx: CliContext, target: string): Promise<number> {
  const resolved = path.resolve(target);
  if (!fs.existsSync(resolved)) throw new UsageError(`${target}: no such file or directory`);
  const files = perfJsonFiles(resolved);
  if (files.length === 0) throw new UsageError(`${target}: no .json files found`);
  const baseDir = fs.statSync(resolved).isDirectory() ? resolved : path.dirname(resolved);
  const reports = await withWriter(ctx, 'import perf-json', (db) =>
    importPerfJson(db, files, {
      command: `ci-dash import perf-json ${target}`,
      baseDir,
      onFile: (r) => {
        for (const p of r.problems) ctx.warn(`warning: ${r.file}: ${p}`);
        ctx.info(`${r.file}: ${r.runs} run(s), ${r.rows} row(s)${r.unchanged ? `, ${r.unchanged} run(s) unchanged` : ''}`);
        if (ctx.json) ctx.emit(r);
      },
    }),
  );
  const runs = reports.reduce((n, r) => n + r.runs, 0);
  const rows = reports.reduce((n, r) => n + r.rows, 0);
  const problems = reports.reduce((n, r) => n + r.problems.length, 0);
  const summary = `perf-json import: ${reports.length} file(s), ${runs} run(s), ${rows} row(s), ${problems} warning(s)`;
  if (ctx.json) ctx.emit({ summary: { files: reports.length, runs, rows, warnings: problems } });
  else if (!ctx.quiet || problems) process.stdout.write(`${summary}\n`);
  // Unreadable or unparsable files are failures; skipped entries inside a good file are warnings only.
  // The one file named on the command line being unusable is a usage error (exit 2).
  if (files.length === 1 && files[0] === resolved && reports[0]?.runs === 0 && reports[0].problems.length) return EXIT.USAGE;
  return reports.some((r) => r.runs === 0 && r.problems.length) ? EXIT.FAILED : EXIT.OK;
}

interface ScanFlags {
  days?: string;
  date?: string;
  hardware?: string;
}

async function scan(ctx: CliContext, flags: ScanFlags): Promise<number> {
  const days = flags.days === undefined ? 1 : Number(flags.days);
  if (!Number.isInteger(days) || days < 1 || days > 90) throw new UsageError(`--days must be an integer 1..90 (got ${JSON.stringify(flags.days)})`);
  const date = flags.date === undefined ? null : toRealDate(flags.date);
  if (flags.date !== undefined && date === null) throw new UsageError(`--date ${JSON.stringify(flags.date)} is not a real calendar date in YYYYMMDD form`);
  const hwFlag = flags.hardware ?? 'both';
  if (hwFlag !== 'both' && !(HARDWARE as readonly string[]).includes(hwFlag)) throw new UsageError(`--hardware must be mi30x, mi35x or both (got ${JSON.stringify(hwFlag)})`);
  const hardware: Hardware[] = hwFlag === 'both' ? [...HARDWARE] : [hwFlag as Hardware];
  if (!fs.existsSync(ctx.dbPath)) throw new UsageError(`no database at ${ctx.dbPath}; run \`ci-dash ingest\` first`);
  const report = await withWriter(ctx, 'alerts scan', (db) => scanAlerts(db, { hardware, date, days, baseDir: ctx.settings.CI_BASE_DIR }));
  for (const n of report.nights) ctx.info(`scanned ${n.hardware} ${n.date}`);
  const kinds = Object.entries(report.byKind)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const summary = `alerts scan: ${report.nights.length} night(s); ${report.inserted} new, ${report.updated} updated, ${report.unchanged} unchanged, ${report.removed} removed${kinds ? ` (${kinds})` : ''}; perf series without baseline ${report.insufficient_data}, untrusted ${report.untrusted}`;
  if (ctx.json) ctx.emit(report);
  else if (!ctx.quiet) process.stdout.write(`${summary}\n`);
  if (report.nights.length === 0) {
    ctx.warn(`alerts scan: no runs found for ${hardware.join('/')}${date ? ` up to ${date}` : ''}`);
    return date ? EXIT.FAILED : EXIT.OK;
  }
  return EXIT.OK;
}

export function registerPerfCommands(program: Command, importCmd: Command): void {
  importCmd
    .command('perf-json')
    .description('import SGLang nightly performance metrics JSON (consolidated run, array of runs, or per-partition file)')
    .argument('<file|dir>', 'a .json file, or a dir searched recursively for .json files')
    .action(action((ctx, target: string) => importPerf(ctx, target)));

  const alerts = new Command('alerts').description('regression and accuracy alerts (SPEC §9)');
  alerts
    .command('scan')
    .description('evaluate the alert rules for the newest night(s) and upsert alert_events (idempotent; triage state is kept)')
    .option('--days <n>', 'scan the nights of the last N days ending at --date (1..90)', '1')
    .option('--date <YYYYMMDD>', 'last night to scan (default: newest run per hardware)')
    .option('--hardware <hw>', 'mi30x, mi35x or both', 'both')
    .action(action((ctx, flags: ScanFlags) => scan(ctx, flags)));
  program.addCommand(alerts);
}
