/**
 * Section e (issue 5): SQL explorer round trips through `POST /api/database/query` of the compiled
 * server (a child process) over the 100× DB. Requests are sequential over one keep-alive connection,
 * timed here with hrtime (autocannon's histogram has 1 ms resolution, too coarse for a 5 ms target).
 */
import http from 'node:http';
import { benchRow, type BenchRow, type BenchSection, percentile } from './report';
import { CLI_BUILT } from './cli-process';
import type { BenchContext } from './run';
import { request, startServer } from './server-child';

const TARGETS = { select1P50Ms: 5, rows1000P99Ms: 50 };
const WARMUP = 20;

interface Case {
  name: string;
  sql: string;
  requests: number;
  rows: number;
  target: { percentile: 50 | 99; ms: number };
}

const CASES: Case[] = [
  { name: 'SELECT 1', sql: 'SELECT 1', requests: 1000, rows: 1, target: { percentile: 50, ms: TARGETS.select1P50Ms } },
  { name: '1,000 rows of benchmark_results', sql: 'SELECT * FROM benchmark_results LIMIT 1000', requests: 300, rows: 1000, target: { percentile: 99, ms: TARGETS.rows1000P99Ms } },
  {
    name: '1,000-row join runs × results',
    sql: `SELECT r.run_date, r.hardware, r.machine_name, r.docker_image, b.benchmark_name, b.status, b.gsm8k_accuracy, b.runtime_minutes, b.error_message
          FROM benchmark_results b JOIN test_runs r ON r.id = b.test_run_id ORDER BY r.run_date DESC, b.id LIMIT 1000`,
    requests: 300,
    rows: 1000,
    target: { percentile: 99, ms: TARGETS.rows1000P99Ms },
  },
];

export async function benchExplorer(ctx: BenchContext): Promise<BenchSection> {
  const title = 'e explorer, 100× DB';
  if (!CLI_BUILT) return { rows: [benchRow(title, 'SQL explorer round trips', 'skipped: run `npm run build` first', '')], data: null };
  const server = await startServer(await ctx.syntheticDb());
  // One socket: every request after the first reuses the same keep-alive connection.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const rows: BenchRow[] = [];
  const data: Record<string, unknown> = {};
  try {
    const url = `${server.origin}/api/database/query`;
    for (const c of CASES) {
      const body = JSON.stringify({ query: c.sql });
      const ask = async () => {
        const res = await request(agent, url, { method: 'POST', body });
        if (res.status !== 200) throw new Error(`${c.name}: ${res.status} ${res.body.slice(0, 200)}`);
        return res.body;
      };
      // The first query starts the pool's children; the warm-up also lets both children get ready.
      for (let i = 0; i < WARMUP; i++) await ask();
      const first = JSON.parse(await ask()) as { row_count: number; execution_time_ms: number };
      if (first.row_count !== c.rows) throw new Error(`${c.name}: ${first.row_count} rows, expected ${c.rows}`);
      const times: number[] = [];
      let bytes = 0;
      for (let i = 0; i < c.requests; i++) {
        const t0 = process.hrtime.bigint();
        bytes = (await ask()).length;
        times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
      times.sort((a, b) => a - b);
      const p50 = percentile(times, 50);
      const p99 = percentile(times, 99);
      data[c.name] = { requests: c.requests, p50, p99, max: times[times.length - 1], responseBytes: bytes, childExecutionMs: first.execution_time_ms };
      const label = `${c.name}, ${c.requests} sequential on 1 keep-alive conn`;
      const other = c.target.percentile === 50 ? `p99 ${p99.toFixed(2)} ms` : `p50 ${p50.toFixed(2)} ms`;
      rows.push(benchRow(title, `${label}: p${c.target.percentile} (${other}, ${(bytes / 1024).toFixed(0)} KiB)`, c.target.percentile === 50 ? p50 : p99, 'ms', c.target.ms));
    }
    const rss = server.peakRssMb();
    data.serverPeakRssMb = rss;
  } finally {
    agent.destroy();
    await server.stop();
  }
  return { rows, data };
}
