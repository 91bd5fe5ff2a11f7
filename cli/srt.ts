/**
 * `ci-dash import srt <logs-dir>` (SPEC §10.2): imports srt-slurm run folders into srt_runs,
 * srt_points, srt_tags and srt_node_metrics under the shared lock.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { withLockedWriter, writeTargetFor } from '../database/write';
import { LogsDirError, findRunDirs, importSrtRuns, type RunReport } from '../ingest/srt/importer';
import { EXIT, UsageError, action, type CliContext } from './context';

function describe(report: RunReport): string {
  switch (report.outcome) {
    case 'unchanged':
      return 'unchanged, skipped';
    case 'skipped':
      return `skipped: ${report.reason}`;
    case 'incomplete':
      return `${report.points} points, ${report.samples} log samples — ${report.reason}`;
    default:
      return `${report.points} points, ${report.samples} log samples`;
  }
}

async function importSrt(ctx: CliContext, logsDir: string, opts: { force?: boolean }): Promise<number> {
  const dir = path.resolve(logsDir);
  try {
    findRunDirs(dir);
  } catch (err) {
    if (err instanceof LogsDirError) throw new UsageError(err.message);
    throw err;
  }
  const reports = await withLockedWriter(writeTargetFor(ctx.settings, ctx.dbPath), 'import srt', ({ db }) =>
    importSrtRuns(db, dir, {
      force: opts.force,
      onRun: (report, index, total) => {
        for (const w of report.warnings) ctx.warn(`warning: ${w.file}: ${w.message}`);
        ctx.info(`[${index + 1}/${total}] ${report.dir}: ${describe(report)}`);
        if (ctx.json) ctx.emit(report);
      },
    }),
  );
  const count = (outcome: RunReport['outcome']) => reports.filter((r) => r.outcome === outcome).length;
  const warnings = reports.reduce((n, r) => n + r.warnings.length, 0);
  const points = reports.reduce((n, r) => n + r.points, 0);
  const summary = `srt import: ${reports.length} run folders — ${count('ok')} imported, ${count('incomplete')} incomplete, ${count('skipped')} skipped, ${count('unchanged')} unchanged; ${points} points; ${warnings} warnings`;
  if (ctx.json) ctx.emit({ summary: { runs: reports.length, ok: count('ok'), incomplete: count('incomplete'), skipped: count('skipped'), unchanged: count('unchanged'), points, warnings } });
  else if (!ctx.quiet || warnings > 0) process.stdout.write(`${summary}\n`);
  return warnings > 0 ? EXIT.FAILED : EXIT.OK;
}

export function registerSrtCommands(_program: Command, importCmd: Command): void {
  importCmd
    .command('srt')
    .description('import srt-slurm run folders ({jobid}_{topology}_{timestamp}/) from a logs dir')
    .argument('<logs-dir>', 'folder that holds the run folders')
    .option('--force', 're-import runs whose files did not change')
    .action(action((ctx, logsDir: string, opts: { force?: boolean }) => importSrt(ctx, logsDir, opts)));
}
