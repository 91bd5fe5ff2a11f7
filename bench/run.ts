/**
 * `npm run bench`: every speed target the issues name, measured (never unit tests).
 *   (a) ingest: the 10 fixture nights, both hardware, cold into a fresh DB (in-process time, CLI wall
 *       time, peak RSS);
 *   (b) ~2 MB adversarial inputs through the cron-log parser and docker-check helpers;
 *   (c) a full-history-sized backfill (~105 nights synthesised from the fixture) through `--backfill`;
 *   (d) pages and API under 50 connections, fixture DB and the 100× synthetic DB (bench/pages-load.ts);
 *   (e) SQL explorer round trips (bench/explorer-load.ts);
 *   (f) sync push/pull of the 100× DB through a local bare repo, work-clone size (bench/sync.ts);
 *   (g) /api/metrics per chart and the alert scan on a year of nights (bench/perf-targets.ts);
 *   (h) srt import of 200 run folders and the Pareto API (bench/srt.ts).
 * Prints a table and writes bench/out/bench-<time>.json and bench/out/latest.json.
 *
 *   npx tsx bench/run.ts [--only a,b,…] [--fixture <dir>] [--nights 105] [--keep]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../config';
import { HARDWARE } from '../core/hardware';
import { todayIn } from '../cli/ingest';
import { runAdversarialBench } from './adversarial';
import { CLI_BUILT, runCli } from './cli-process';
import { benchRow, printTable, type BenchRow as Row, type BenchSection } from './report';
import { buildSyntheticDb } from './synthetic-db';
import { CI_LOGS, ensureFixtures } from '../tests/helpers/fixtures';
import { buildSyntheticTree, datesEndingAt, FIXTURE_DATES } from './synthetic-tree';

const TARGETS = { ingestMs: 500, maxRssMb: 300, adversarialMs: 200 };
const COLD_RUNS = 3;

function arg(argv: string[], name: string, fallback: string): string {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : fallback;
}

/** In-process runIngest in a fresh child (bench/child-ingest.ts), for ingest time and that process's peak RSS. */
function childIngest(dbPath: string, baseDir: string, dates: string[], extensions = true): { ingestMs: number; maxRssKb: number; nights: number; ok: number; failed: number } {
  const payload = JSON.stringify({ dbPath, baseDir, dates, hardware: [...HARDWARE], lockDir: path.dirname(dbPath), extensions });
  const res = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'child-ingest.ts'), payload], { encoding: 'utf8', cwd: PROJECT_ROOT });
  if (res.status !== 0) throw new Error(`child ingest failed: ${res.stderr}`);
  return JSON.parse(res.stdout);
}

const mb = (kb: number) => kb / 1024;
const row = benchRow;

function benchFixture(fixture: string, work: string): { rows: Row[]; data: unknown } {
  const rows: Row[] = [];
  // Cold = fresh child and fresh DB each time; median of a few runs because the machine is shared.
  const cold = (name: string, extensions: boolean) => {
    const runs = Array.from({ length: COLD_RUNS }, (_, i) => childIngest(path.join(work, `a-${name}-${i}.db`), fixture, FIXTURE_DATES, extensions));
    return { median: [...runs].sort((x, y) => x.ingestMs - y.ingestMs)[Math.floor(COLD_RUNS / 2)], runs };
  };
  const inProc = cold('full', true);
  const m = inProc.median;
  rows.push(row('a fixture 10 nights × 2 hw', `in-process ingest, median of ${COLD_RUNS} (${m.ok}/${m.nights} nights ok)`, m.ingestMs, 'ms', TARGETS.ingestMs));
  rows.push(row('a fixture 10 nights × 2 hw', 'peak RSS, tsx child (incl. TS loader)', mb(Math.max(...inProc.runs.map((r) => r.maxRssKb))), 'MB', TARGETS.maxRssMb));
  const compatOnly = cold('compat', false);
  rows.push(row('a fixture 10 nights × 2 hw', `in-process ingest, compat only (--no-extensions), median of ${COLD_RUNS}`, compatOnly.median.ingestMs, 'ms', TARGETS.ingestMs));
  const data: Record<string, unknown> = { inProcess: inProc.runs, compatOnly: compatOnly.runs };
  if (CLI_BUILT) {
    const nightsFile = path.join(work, 'a-nights.json');
    fs.writeFileSync(nightsFile, JSON.stringify({ test_runs: FIXTURE_DATES.flatMap((d) => HARDWARE.map((hw) => ({ run_date: d, hardware: hw }))) }));
    const cli = runCli(['--db', path.join(work, 'a-cli.db'), '-q', 'ingest', '--base-dir', fixture, '--dates-from', nightsFile], { LOCK_DIR: work });
    rows.push(row('a fixture 10 nights × 2 hw', `CLI process wall time (exit ${cli.code})`, cli.wallMs, 'ms'));
    if (cli.maxRssKb !== null) rows.push(row('a fixture 10 nights × 2 hw', 'peak RSS, compiled CLI', mb(cli.maxRssKb), 'MB', TARGETS.maxRssMb));
    data.cli = cli;
  } else rows.push(row('a fixture 10 nights × 2 hw', 'CLI process wall time', 'skipped: run `npm run build` first', ''));
  return { rows, data };
}

function benchAdversarial(): { rows: Row[]; data: unknown } {
  const results = runAdversarialBench();
  const rows = results.map((r) =>
    r.timedOut
      ? { bench: 'b adversarial 2 MB', metric: r.name, value: 'timed out (> 20 s)', target: `< ${TARGETS.adversarialMs} ms`, ok: false }
      : row('b adversarial 2 MB', r.name, r.worstMs!, 'ms', TARGETS.adversarialMs),
  );
  return { rows, data: results };
}

function benchBackfill(fixture: string, work: string, nights: number): { rows: Row[]; data: unknown } {
  const tree = path.join(work, 'c-tree');
  // The CLI's --backfill ends at today in CI_TIMEZONE, so the synthetic history does too.
  const dates = datesEndingAt(todayIn('America/Chicago'), nights);
  const { links } = buildSyntheticTree(fixture, tree, dates);
  const rows: Row[] = [];
  const label = `c backfill ${nights} nights × 2 hw`;
  const inProc = childIngest(path.join(work, 'c-inprocess.db'), tree, dates);
  rows.push(row(label, `in-process ingest (${inProc.ok}/${inProc.nights} nights ok, ${links} files)`, inProc.ingestMs, 'ms'));
  rows.push(row(label, 'per night (in-process)', inProc.ingestMs / inProc.nights, 'ms'));
  rows.push(row(label, 'peak RSS, tsx child (incl. TS loader)', mb(inProc.maxRssKb), 'MB', TARGETS.maxRssMb));
  const data: Record<string, unknown> = { dates: [dates[0], dates[dates.length - 1]], links, inProcess: inProc };
  if (CLI_BUILT) {
    const cli = runCli(['--db', path.join(work, 'c-cli.db'), '-q', 'ingest', '--base-dir', tree, '--backfill', String(nights)], { LOCK_DIR: work, CI_TIMEZONE: 'America/Chicago' });
    rows.push(row(label, `CLI --backfill ${nights} wall time (exit ${cli.code})`, cli.wallMs, 'ms'));
    if (cli.maxRssKb !== null) rows.push(row(label, 'peak RSS, compiled CLI', mb(cli.maxRssKb), 'MB', TARGETS.maxRssMb));
    data.cli = cli;
  }
  return { rows, data };
}

/** What every section gets: the fixture, a scratch folder removed afterwards, and the 100× DB on demand. */
export interface BenchContext {
  fixture: string;
  work: string;
  nights: number;
  /** The synthetic DB 100× the fixture (bench/synthetic-db.ts), built once on first use. */
  syntheticDb(): Promise<string>;
}

/**
 * Sections in run order, selected with `--only`. a–c are the ingest figures; the others each measure
 * one issue's targets (they import their own modules lazily so `--only a` stays quick).
 */
const SECTIONS: Record<string, (ctx: BenchContext) => Promise<BenchSection> | BenchSection> = {
  a: (ctx) => benchFixture(ctx.fixture, ctx.work),
  b: () => benchAdversarial(),
  c: (ctx) => benchBackfill(ctx.fixture, ctx.work, ctx.nights),
  d: async (ctx) => (await import('./pages-load')).benchPagesUnderLoad(ctx),
  e: async (ctx) => (await import('./explorer-load')).benchExplorer(ctx),
  f: async (ctx) => (await import('./sync')).benchSync(ctx),
  g: async (ctx) => (await import('./perf-targets')).benchPerfTargets(ctx),
  h: async (ctx) => (await import('./srt')).benchSrt(ctx),
};

async function main(argv: string[]): Promise<void> {
  const only = arg(argv, '--only', Object.keys(SECTIONS).join(',')).split(',');
  const unknown = only.filter((k) => !(k in SECTIONS));
  if (unknown.length) {
    process.stderr.write(`unknown bench section(s): ${unknown.join(', ')}; known: ${Object.keys(SECTIONS).join(', ')}\n`);
    process.exit(2);
  }
  await ensureFixtures();
  const fixture = path.resolve(arg(argv, '--fixture', CI_LOGS));
  const nights = Number(arg(argv, '--nights', '105'));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ci-dash-bench-'));
  const rows: Row[] = [];
  // Timings on a shared machine mean little without the load they were taken under.
  const loadBefore = os.loadavg()[0];
  const results: Record<string, unknown> = { when: new Date().toISOString(), host: { cpus: os.cpus().length, node: process.version, loadavg1Before: loadBefore }, fixture };
  let synthetic: Promise<string> | null = null;
  const ctx: BenchContext = {
    fixture,
    work,
    nights,
    syntheticDb() {
      synthetic ??= (async () => {
        const dbPath = path.join(work, 'synthetic-100x.db');
        const info = await buildSyntheticDb(fixture, dbPath, 100);
        results.syntheticDb = info;
        rows.push(row('synthetic 100× DB', `${info.runs} runs over ${info.nights} nights × ${info.machinesPerHardware} machines/hw`, info.bytes / 1048576, 'MB'));
        return dbPath;
      })();
      return synthetic;
    },
  };
  try {
    for (const key of Object.keys(SECTIONS)) {
      if (!only.includes(key)) continue;
      const out = await SECTIONS[key](ctx);
      rows.push(...out.rows);
      results[key] = out.data;
    }
  } finally {
    if (!argv.includes('--keep')) fs.rmSync(work, { recursive: true, force: true });
    else process.stdout.write(`kept ${work}\n`);
  }
  printTable(rows);
  process.stdout.write(`${os.cpus().length} CPUs; 1-min load average ${loadBefore.toFixed(1)} before, ${os.loadavg()[0].toFixed(1)} after\n`);
  results.rows = rows;
  const outDir = path.join(PROJECT_ROOT, 'bench', 'out');
  fs.mkdirSync(outDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  for (const name of [`bench-${stamp}.json`, 'latest.json']) fs.writeFileSync(path.join(outDir, name), `${JSON.stringify(results, null, 2)}\n`);
  const failed = rows.filter((r) => r.ok === false).length;
  process.stdout.write(`${failed === 0 ? 'All targets met' : `${failed} target(s) missed`}; results in bench/out/latest.json\n`);
}

main(process.argv.slice(2)).catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
