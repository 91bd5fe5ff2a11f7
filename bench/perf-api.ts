/**
 * Speed of the performance views and the alert scan on a full-history-sized DB (never a unit test):
 * 105 nights × 5 result-dir modes × 5 loads × 6 metrics × 3 sources of one hardware (~47k
 * benchmark_metrics rows). Reports the alert scan of one night and of 30 nights, and /api/metrics
 * for 90 nights cold (computed) and warm (response cache), with the payload size.
 *
 *   npx tsx bench/perf-api.ts
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { loadSettings } from '../config';
import { checkpoint, kyselyFor, openWriter } from '../database/connection';
import { createApp } from '../dashboard/app';
import { scanAlerts } from '../alerts/scan';
import { shiftDate } from '../dashboard/queries/runs';

const NIGHTS = 105;
const MODES = ['online', 'online_dp_attention', 'online_torch_compile', 'online_dp_attention_torch_compile', 'online_mtp_test'];
const LOADS = [1, 4, 16, 64, 128];
const METRICS = ['e2e_latency_ms', 'ttft_ms', 'itl_ms', 'output_throughput_tok_s', 'median_ttft_ms', 'p99_itl_ms'];
const SOURCES = ['timing_summary', 'csv', 'serving_log'];

function seed(dbPath: string): number {
  const db = openWriter(dbPath);
  let rows = 0;
  db.transaction(() => {
    const run = db.prepare(`INSERT INTO test_runs (run_date, hardware, machine_name, overall_status, total_tasks, passed_tasks, failed_tasks, unknown_tasks, not_run) VALUES (?, 'mi30x', 'bench-machine', 'passed', 1, 1, 0, 0, 0)`);
    const task = db.prepare(`INSERT INTO benchmark_results (test_run_id, benchmark_name, status, gsm8k_accuracy) VALUES (?, 'DeepSeek Online Benchmark', 'pass', 0.95)`);
    const metric = db.prepare(`INSERT INTO benchmark_metrics (test_run_id, benchmark_name, result_dir, source, load_kind, load_value, metric, value) VALUES (?, 'DeepSeek Online Benchmark', ?, ?, 'concurrency', ?, ?, ?)`);
    for (let i = 0; i < NIGHTS; i++) {
      const date = shiftDate('20250901', i);
      const id = Number(run.run(date).lastInsertRowid);
      task.run(id);
      for (const mode of MODES)
        for (const load of LOADS)
          for (const m of METRICS)
            for (const source of SOURCES) {
              metric.run(id, `v0.5-rocm700-mi30x-${date}_DeepSeek_FP8_${mode}`, source, load, m, 100 + 10 * Math.sin(i * 0.7 + load));
              rows++;
            }
    }
  })();
  checkpoint(db);
  db.close();
  return rows;
}

async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = process.hrtime.bigint();
  const out = await fn();
  return [out, Number(process.hrtime.bigint() - t) / 1e6];
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ci-dash-bench-perf-'));
  try {
    const dbPath = path.join(dir, 'bench.db');
    const rows = seed(dbPath);
    const db = kyselyFor(openWriter(dbPath));
    const [, scan1] = await time(() => scanAlerts(db, { hardware: ['mi30x'], days: 1 }));
    const [, scan30] = await time(() => scanAlerts(db, { hardware: ['mi30x'], days: 30 }));
    await db.destroy();
    const { app, ctx } = createApp({ settings: loadSettings({}), dbPath });
    const server = await new Promise<import('node:http').Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/metrics/mi30x?days=90`;
    const [coldBody, cold] = await time(async () => (await fetch(url)).text());
    const [, warm] = await time(async () => (await fetch(url)).text());
    ctx.data.close();
    server.close();
    const table = [
      ['benchmark_metrics rows', String(rows)],
      ['alerts scan, 1 night', `${scan1.toFixed(0)} ms`],
      ['alerts scan, 30 nights', `${scan30.toFixed(0)} ms`],
      ['/api/metrics 90 nights, cold', `${cold.toFixed(0)} ms`],
      ['/api/metrics 90 nights, cached', `${warm.toFixed(1)} ms`],
      ['/api/metrics payload', `${(coldBody.length / 1024).toFixed(0)} KiB, ${(JSON.parse(coldBody) as { series: unknown[] }).series.length} series`],
    ];
    for (const [k, v] of table) process.stdout.write(`${k.padEnd(34)} ${v}\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
