/**
 * `ci-dash score <expected.json> <db|json>` and `ci-dash export json --out <file>` (SPEC §12).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { action, EXIT, UsageError, type CliContext } from './context';
import { exportDbFile, isSqliteFile, writeExportFile } from '../ingest/acceptance/export';
import { COMPAT_TABLES, readRowsFile, RowsFileError, type OracleRows } from '../ingest/acceptance/rows';
import { pct, scoreRows, type ScoreReport, type Tally } from '../ingest/acceptance/score';

function requireFile(filePath: string, what: string): string {
  const abs = path.resolve(filePath);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isFile()) throw new UsageError(`${what} ${filePath}: no such file`);
  return abs;
}

/** A candidate is either a DB file of our schema (detected by the SQLite header) or an oracle-format JSON file. */
async function loadCandidate(filePath: string): Promise<OracleRows> {
  if (!isSqliteFile(filePath)) return readRowsFile(filePath).rows;
  try {
    return await exportDbFile(filePath);
  } catch (err) {
    throw new RowsFileError(`${filePath}: not a database with the compat tables (${(err as Error).message})`);
  }
}

const fmtTally = (t: Tally) => `${t.agree}/${t.total} ${pct(t).toFixed(2).padStart(6)}%`;

function printReport(ctx: CliContext, report: ScoreReport, showDisagreements: number): void {
  const head = ['table', 'rows', 'matched', 'recall', 'M1', 'M1c', 'M2'];
  const lines: string[][] = [head];
  for (const t of COMPAT_TABLES) {
    const s = report.tables[t];
    lines.push([t, String(s.rows), String(s.matched), `${pct({ agree: s.matched, total: s.rows }).toFixed(1)}%`, fmtTally(s.m1), fmtTally(s.m1c), fmtTally(s.m2)]);
  }
  lines.push(['overall', '', '', '', fmtTally(report.m1), fmtTally(report.m1c), fmtTally(report.m2)]);
  printColumns(ctx, lines);
  ctx.info('');
  const fieldLines: string[][] = [['field', 'M1', 'M1c', 'M2']];
  for (const [field, f] of Object.entries(report.fields)) fieldLines.push([field, fmtTally(f.m1), fmtTally(f.m1c), fmtTally(f.m2)]);
  printColumns(ctx, fieldLines);
  const m1Misses = report.disagreements.filter((d) => d.reproducible);
  if (m1Misses.length && showDisagreements > 0) {
    ctx.info('');
    ctx.info(`M1 disagreements (${Math.min(showDisagreements, m1Misses.length)} of ${m1Misses.length}):`);
    for (const d of m1Misses.slice(0, showDisagreements)) {
      ctx.info(`  ${d.table} ${d.row} .${d.field}: expected ${JSON.stringify(d.expected)}, got ${d.kind === 'unmatched' ? '(no row)' : JSON.stringify(d.actual)}`);
    }
  }
  ctx.info('');
  for (const c of report.criteria) {
    const verdict = c.passed ? 'ok' : c.binding ? 'FAIL' : 'below (informative)';
    ctx.info(`  ${c.name.padEnd(30)} ${c.valuePct.toFixed(2).padStart(6)}% (bar ${c.barPct}%) ${verdict}`);
  }
  ctx.info(report.passed ? 'PASS: the acceptance bar is met' : 'FAIL: the acceptance bar is not met');
}

function printColumns(ctx: CliContext, lines: string[][]): void {
  const widths = lines[0].map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  for (const l of lines) ctx.info(l.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '));
}

export function registerAcceptanceCommands(program: Command): void {
  program
    .command('score')
    .description('score a DB or an exported JSON against an oracle file (SPEC §12: M1, M1c, M2, recall); exit 1 below the pass bar')
    .argument('<expected>', 'oracle JSON (e.g. tests/fixtures/expected-dev.json)')
    .argument('<candidate>', 'SQLite DB of this tool, or a JSON file in the oracle row format')
    .option('--show <n>', 'list up to n M1 disagreements', '20')
    .option('--strict', 'make the sanity recall bar binding on the DEV set too (SPEC §12.4 calls it informative there)')
    .action(
      action(async (ctx, expectedArg: string, candidateArg: string, opts: { show: string; strict?: boolean }) => {
        const show = Number(opts.show);
        if (!Number.isInteger(show) || show < 0) throw new UsageError(`--show: expected a whole number, got ${JSON.stringify(opts.show)}`);
        const expectedPath = requireFile(expectedArg, 'expected file');
        const candidatePath = requireFile(candidateArg, 'candidate');
        let expected;
        let candidate: OracleRows;
        try {
          expected = readRowsFile(expectedPath);
          candidate = await loadCandidate(candidatePath);
        } catch (err) {
          if (err instanceof RowsFileError) throw new UsageError(err.message);
          throw err;
        }
        const report = scoreRows(expected.rows, candidate, { sanityRecallInformative: expected.set === 'DEV' && !opts.strict });
        if (ctx.json) ctx.emit({ expected: expectedPath, candidate: candidatePath, ...report });
        else printReport(ctx, report, show);
        return report.passed ? EXIT.OK : EXIT.FAILED;
      }),
    );

  const exportCmd = program.command('export').description('export database rows');
  exportCmd
    .command('json')
    .description('write the compat rows in the oracle JSON row format (children carry run_date, hardware, machine_name)')
    .requiredOption('--out <file>', 'output JSON file')
    .action(
      action(async (ctx, opts: { out: string }) => {
        if (!fs.existsSync(ctx.dbPath)) throw new UsageError(`no database at ${ctx.dbPath}`);
        const rows = await exportDbFile(ctx.dbPath);
        const outPath = path.resolve(opts.out);
        fs.mkdirSync(path.dirname(outPath), { recursive: true });
        const counts = writeExportFile(rows, outPath, ctx.dbPath);
        if (ctx.json) ctx.emit({ out: outPath, rows: counts });
        else ctx.info(`Exported ${Object.entries(counts).map(([t, n]) => `${n} ${t}`).join(', ')} to ${outPath}`);
        return EXIT.OK;
      }),
    );
}
