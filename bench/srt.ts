/**
 * Bench (h), the srt-slurm issue's targets: import of 200 run folders replicated from the ones the
 * tests assemble from real component files; re-import with nothing changed (< 1 s); the Pareto API
 * for 50 selected runs (p99 < 100 ms). Import through the compiled CLI (wall time, peak RSS) and
 * in-process; the API on the real express app on a free loopback port.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { loadSettings } from '../config';
import { kyselyFor, openWriter } from '../database/connection';
import { createApp } from '../dashboard/app';
import { importSrtRuns, type RunReport } from '../ingest/srt/importer';
import { CLI_BUILT, runCli } from './cli-process';
import { benchRow, timeMs, type BenchRow, type BenchSection, percentile, median } from './report';
import type { BenchContext } from './run';
import { CONCURRENCIES, legacyMetadata, v2Metadata, writeRun, type PlaceFile } from './srt-run-tree';

const TARGETS = { importS: 10, reimportMs: 1000, paretoP99Ms: 100 };
const RUNS = 200;
const SELECTED = 50;
const REQUESTS = 100;
const REIMPORTS = 3;
const CONTAINERS = ['lmsysorg/sglang:v0.5.6.post2-rocm630-mi30x', 'lmsysorg/sglang:v0.5.7-rocm700-mi30x', 'lmsysorg/sglang:v0.5.8-rocm700-mi30x'];
const LABEL = `h srt ${RUNS} run folders`;

/**
 * Hard links from one private copy of each component file: the importer reads regular files only
 * (a symlink is not one), and 200 copies of the worker logs would mostly measure the page cache.
 */
function linker(poolDir: string): PlaceFile {
  const pooled = new Map<string, string>();
  return (source, dest) => {
    let copy = pooled.get(source);
    if (!copy) {
      copy = path.join(poolDir, `${pooled.size}-${path.basename(source)}`);
      fs.copyFileSync(source, copy);
      pooled.set(source, copy);
    }
    fs.linkSync(copy, dest);
  };
}

export interface SrtBenchTree {
  runs: number;
  withLogs: number;
  /** Sum of the file sizes the importer sees (a hard link counts each time). */
  bytes: number;
}

/**
 * `runs` folders with distinct job ids, cycling through the shapes of the standard test tree: v2.0
 * metadata with every concurrency, the older metadata form under run/logs with missing concurrencies,
 * a three-point run, and (1 in 25) a run without results; three containers; every run with results
 * carries the two real worker logs.
 */
export function buildSrtBenchTree(logsDir: string, poolDir: string, runs: number): SrtBenchTree {
  fs.mkdirSync(logsDir, { recursive: true });
  fs.mkdirSync(poolDir, { recursive: true });
  const place = linker(poolDir);
  let withLogs = 0;
  for (let i = 0; i < runs; i++) {
    const jobId = String(9_100_001 + i);
    const when = new Date(Date.UTC(2026, 0, 1) + i * 3_600_000).toISOString();
    const stamp = `${when.slice(0, 10).replace(/-/g, '')}_${when.slice(11, 19).replace(/:/g, '')}`;
    const dirName = `${jobId}_1P_2D_${stamp}`;
    const v2 = (concurrencies?: string) =>
      v2Metadata(jobId, { container: CONTAINERS[i % CONTAINERS.length], generatedAt: `${when.slice(0, 10)} ${when.slice(11, 19)}`, concurrencies });
    if (i % 25 === 24) {
      writeRun(logsDir, { dirName, metadata: v2() }, place);
      continue;
    }
    withLogs++;
    if (i % 5 === 1) {
      writeRun(logsDir, { dirName, metadata: legacyMetadata(jobId, '1x2x4x8x16x32x64x128x256'), concurrencies: CONCURRENCIES.slice(0, 6), underRunLogs: true, logs: true }, place);
    } else if (i % 5 === 3) {
      writeRun(logsDir, { dirName, metadata: v2('4x16x64'), concurrencies: [4, 16, 64], logs: true }, place);
    } else {
      writeRun(logsDir, { dirName, metadata: v2(), concurrencies: CONCURRENCIES, logs: true }, place);
    }
  }
  return { runs, withLogs, bytes: treeBytes(logsDir) };
}

function treeBytes(dir: string): number {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const abs = path.join(dir, e.name);
    total += e.isDirectory() ? treeBytes(abs) : fs.statSync(abs).size;
  }
  return total;
}

function outcomes(reports: RunReport[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of reports) out[r.outcome] = (out[r.outcome] ?? 0) + 1;
  return out;
}


async function paretoLatency(dbPath: string, jobIds: string[]): Promise<{ p50: number; p99: number; max: number; series: number; bytes: number }> {
  const { ctx, listen } = createApp({ settings: loadSettings({}), dbPath });
  const server = await listen(0, '127.0.0.1');
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/srt/pareto?runs=${jobIds.join(',')}`;
    const get = async () => {
      const res = await fetch(url);
      if (res.status !== 200) throw new Error(`pareto API answered ${res.status}: ${await res.text()}`);
      return res.text();
    };
    // Warm-up: connection, statement preparation, JIT.
    const body = JSON.parse(await get()) as { series: unknown[] };
    for (let i = 0; i < 4; i++) await get();
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < REQUESTS; i++) {
      const [text, ms] = await timeMs(get);
      times.push(ms);
      bytes = text.length;
    }
    times.sort((a, b) => a - b);
    return { p50: percentile(times, 50), p99: percentile(times, 99), max: times[times.length - 1], series: body.series.length, bytes };
  } finally {
    ctx.data.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

export async function benchSrt(ctx: BenchContext): Promise<BenchSection> {
  const logsDir = path.join(ctx.work, 'h-logs');
  const tree = buildSrtBenchTree(logsDir, path.join(ctx.work, 'h-pool'), RUNS);
  const rows: BenchRow[] = [];
  const data: Record<string, unknown> = { tree };
  const row = (metric: string, value: number | string, unit: string, target?: number) => rows.push(benchRow(LABEL, metric, value, unit, target));
  row(`tree: ${tree.withLogs} runs with the 2 real worker logs (hard links), ${RUNS - tree.withLogs} without results`, tree.bytes / 1048576, 'MB');

  if (CLI_BUILT) {
    const dbPath = path.join(ctx.work, 'h-cli.db');
    const args = ['--db', dbPath, 'import', 'srt', logsDir];
    const env = { LOCK_DIR: ctx.work };
    const first = runCli(args, env);
    row(`CLI first import, wall (exit ${first.code}; ${first.lastLine})`, first.wallMs / 1000, 's', TARGETS.importS);
    if (first.maxRssKb !== null) row('CLI first import, peak RSS', first.maxRssKb / 1024, 'MB');
    const again = Array.from({ length: REIMPORTS }, () => runCli(args, env));
    const m = again.find((r) => r.wallMs === median(again.map((a) => a.wallMs))) as (typeof again)[number];
    row(`CLI re-import, nothing changed, median of ${REIMPORTS} (exit ${m.code}; ${m.lastLine})`, m.wallMs, 'ms', TARGETS.reimportMs);
    if (m.maxRssKb !== null) row('CLI re-import, peak RSS', m.maxRssKb / 1024, 'MB');
    // The share of the re-import that is node start-up and module loading, paid by every command.
    const startup = Array.from({ length: REIMPORTS }, () => runCli(['--version']).wallMs);
    row(`CLI start-up alone (ci-dash --version), median of ${REIMPORTS}`, median(startup), 'ms');
    data.cli = { first, again, startupMs: startup };
  } else row('CLI import', 'skipped: run `npm run build` first', '');

  // In-process: the importer alone, without node start-up and module loading.
  const dbPath = path.join(ctx.work, 'h-inprocess.db');
  const db = kyselyFor(openWriter(dbPath));
  let selected: string[];
  try {
    const [reports, firstMs] = await timeMs(() => importSrtRuns(db, logsDir));
    row(`in-process first import (${JSON.stringify(outcomes(reports))})`, firstMs / 1000, 's', TARGETS.importS);
    const again: number[] = [];
    let last: RunReport[] = [];
    for (let i = 0; i < REIMPORTS; i++) {
      const [r, ms] = await timeMs(() => importSrtRuns(db, logsDir));
      again.push(ms);
      last = r;
    }
    row(`in-process re-import, median of ${REIMPORTS} (${JSON.stringify(outcomes(last))})`, median(again), 'ms', TARGETS.reimportMs);
    data.inProcess = { firstMs, againMs: again, outcomes: outcomes(reports) };
    // 50 runs with points spread over the whole history, not just the newest.
    const withPoints = reports.filter((r) => r.points > 0).map((r) => r.jobId);
    selected = Array.from({ length: SELECTED }, (_, i) => withPoints[Math.floor((i * withPoints.length) / SELECTED)]);
  } finally {
    await db.destroy();
  }

  const pareto = await paretoLatency(dbPath, selected);
  const what = `GET /api/srt/pareto, ${SELECTED} runs (${pareto.series} series, ${(pareto.bytes / 1024).toFixed(0)} KiB), ${REQUESTS} requests`;
  row(`${what}: p50`, pareto.p50, 'ms');
  row(`${what}: p99`, pareto.p99, 'ms', TARGETS.paretoP99Ms);
  data.pareto = pareto;
  return { rows, data };
}
