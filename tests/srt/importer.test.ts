import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { kyselyFor, openWriter, type Db } from '../../database/connection';
import { importSrtRuns } from '../../ingest/srt/importer';
import { main } from '../../cli/main';
import { nodeMetricSeries, replaceRunTags } from '../../read/srt';
import { tempDir } from '../helpers/fixtures';
import { CONCURRENCIES, importedStandardDb, realResultPath, v2Metadata, writeRun } from './run-tree';

describe('import of the standard tree (real components in the upstream layout)', () => {
  let env: Awaited<ReturnType<typeof importedStandardDb>>;
  let db: Db;

  beforeAll(async () => {
    env = await importedStandardDb();
    db = kyselyFor(openWriter(env.dbPath));
  });
  afterAll(async () => {
    await db.destroy();
    env.cleanup();
  });

  it('reports one entry per run folder and ignores the others', () => {
    expect(env.reports.map((r) => [r.dir, r.outcome])).toEqual([
      ['4401001_1P_2D_20260314_192550', 'ok'],
      ['4401002_1P_2D_20260315_101010', 'incomplete'],
      ['4401003_1P_2D_20260320_080000', 'ok'],
      ['4401004_1P_2D_20260321_080000', 'skipped'],
      ['4401005_1P_2D_20260322_080000', 'skipped'],
    ]);
    expect(env.reports.every((r) => r.warnings.length === 0)).toBe(true);
  });

  it('stores the v2.0 run with its 8 points and derived figures', async () => {
    const run = await db.selectFrom('srt_runs').selectAll().where('job_id', '=', '4401001').executeTakeFirstOrThrow();
    expect(run).toMatchObject({
      status: 'ok', metadata_format: 'v2', topology: '1P_2D', mode: 'disaggregated', gpu_type: 'mi300x', gpus_total: 24, gpus_per_node: 8,
      prefill_workers: 1, decode_workers: 2, container: 'lmsysorg/sglang:v0.5.6.post2-rocm630-mi30x', framework_version: 'v0.5.6.post2',
      model: 'zai-org/GLM-4.7', precision: 'bf16', isl: 1024, osl: 1024, profiler: 'sa-bench', run_ts: '2026-03-14 19:25:50',
    });
    const points = await db.selectFrom('srt_points').selectAll().where('job_id', '=', '4401001').orderBy('concurrency').execute();
    expect(points.map((p) => p.concurrency)).toEqual(CONCURRENCIES);
    const raw = JSON.parse(fs.readFileSync(realResultPath(128), 'utf8')) as Record<string, number>;
    expect(points[7]).toMatchObject({ gpus: 24, result_file: 'results_concurrency_128_gpus_24_ctx_1_gen_2.json', output_throughput: raw.output_throughput });
    expect(points[7].output_tps_per_gpu).toBeCloseTo(raw.output_throughput / 24, 9);
    expect(points[7].tps_per_user).toBeCloseTo(1000 / raw.mean_tpot_ms, 9);
  });

  it('stores the node metrics of the real worker logs', async () => {
    const counts = await db
      .selectFrom('srt_node_metrics')
      .select(['worker_type', 'kind'])
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('job_id', '=', '4401001')
      .groupBy(['worker_type', 'kind'])
      .orderBy('worker_type')
      .orderBy('kind')
      .execute();
    expect(counts.map((c) => [c.worker_type, c.kind, Number(c.n)])).toEqual([
      ['decode', 'decode_batch', 40],
      ['decode', 'memory', 20],
      ['prefill', 'memory', 20],
      ['prefill', 'prefill_batch', 176],
    ]);
    // Logs under run/logs are found too.
    const legacy = await db.selectFrom('srt_node_metrics').select('log_file').distinct().where('job_id', '=', '4401002').orderBy('log_file').execute();
    expect(legacy.map((r) => r.log_file)).toEqual([path.join('run', 'logs', 'node01_prefill_w0.err'), path.join('run', 'logs', 'node02_decode_w0.out')]);
  });

  it('flags the missing concurrencies of the older-format run', async () => {
    const run = await db.selectFrom('srt_runs').selectAll().where('job_id', '=', '4401002').executeTakeFirstOrThrow();
    expect(run).toMatchObject({ status: 'incomplete', metadata_format: 'legacy', status_reason: 'incomplete: missing [64, 256, 512]', missing_concurrencies: '[64,256,512]' });
    expect(env.reports[1].reason).toBe('incomplete: missing [64, 256, 512]');
  });

  it('lists runs without results and profiler runs as skipped, with the reason', async () => {
    const rows = await db.selectFrom('srt_runs').select(['job_id', 'status', 'status_reason']).where('status', '=', 'skipped').orderBy('job_id').execute();
    expect(rows).toEqual([
      { job_id: '4401004', status: 'skipped', status_reason: 'no result files (no sa-bench_isl_1024_osl_1024 folder)' },
      { job_id: '4401005', status: 'skipped', status_reason: 'torch-profiler run (no throughput results)' },
    ]);
    const points = await db.selectFrom('srt_points').select('job_id').where('job_id', 'in', ['4401004', '4401005']).execute();
    expect(points).toEqual([]);
  });

  it('stores the file tags', async () => {
    const tags = await db.selectFrom('srt_tags').select(['tag', 'source']).where('job_id', '=', '4401001').orderBy('tag').execute();
    expect(tags).toEqual([{ tag: 'glm', source: 'file' }, { tag: 'nightly', source: 'file' }]);
  });

  it('skips unchanged runs on re-import, re-imports a changed one, and keeps user-edited tags', async () => {
    const again = await importSrtRuns(db, env.logsDir);
    expect(again.map((r) => r.outcome)).toEqual(['unchanged', 'unchanged', 'unchanged', 'unchanged', 'unchanged']);

    expect(await replaceRunTags(db, '4401003', ['golden', 'mi300x'])).toBe(true);
    const runDir = path.join(env.logsDir, '4401003_1P_2D_20260320_080000');
    fs.copyFileSync(realResultPath(128), path.join(runDir, 'sa-bench_isl_1024_osl_1024', 'results_concurrency_128_gpus_24_ctx_1_gen_2.json'));
    const third = await importSrtRuns(db, env.logsDir);
    expect(third.map((r) => r.outcome)).toEqual(['unchanged', 'unchanged', 'ok', 'unchanged', 'unchanged']);
    expect(third[2].points).toBe(4);
    const tags = await db.selectFrom('srt_tags').select('tag').where('job_id', '=', '4401003').orderBy('tag').execute();
    expect(tags.map((t) => t.tag)).toEqual(['golden', 'mi300x']);
    // The user's run files are never rewritten.
    expect((JSON.parse(fs.readFileSync(path.join(runDir, '4401003.json'), 'utf8')) as { tags: string[] }).tags).toEqual(['nightly']);
  });
});

describe('bad input', () => {
  it('warns with the file and reason for malformed files and imports the rest', async () => {
    const { dir, cleanup } = tempDir('srt-bad-');
    try {
      writeRun(dir, {
        dirName: '5001_1P_1D_20260101_000000',
        metadata: v2Metadata('5001'),
        concurrencies: [1, 2],
        extraFiles: { 'sa-bench_isl_1024_osl_1024/results_concurrency_4_gpus_24.json': '{"max_concurrency": 4, "output_thr' },
      });
      writeRun(dir, { dirName: '5002_1P_1D_20260101_000000', metadata: '{ not json', concurrencies: [1] });
      writeRun(dir, { dirName: '5003_1P_1D_20260101_000000', concurrencies: [1] });
      const db = kyselyFor(openWriter(path.join(dir, 'x.db')));
      try {
        const reports = await importSrtRuns(db, dir);
        expect(reports[0]).toMatchObject({ outcome: 'ok', points: 2 });
        expect(reports[0].warnings).toHaveLength(1);
        expect(reports[0].warnings[0].file).toBe(path.join('5001_1P_1D_20260101_000000', 'sa-bench_isl_1024_osl_1024', 'results_concurrency_4_gpus_24.json'));
        expect(reports[0].warnings[0].message).toMatch(/not valid JSON/);
        expect(reports[1]).toMatchObject({ outcome: 'skipped' });
        expect(reports[1].warnings[0]).toMatchObject({ file: path.join('5002_1P_1D_20260101_000000', '5002.json') });
        expect(reports[1].reason).toMatch(/^5002\.json: not valid JSON/);
        expect(reports[2]).toMatchObject({ outcome: 'skipped', reason: 'missing 5003.json' });
      } finally {
        await db.destroy();
      }
    } finally {
      cleanup();
    }
  });
});

describe('ci-dash import srt', () => {
  async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const o = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
    const e = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((err += String(chunk)), true));
    try {
      const code = await main(['node', 'ci-dash', ...argv]);
      return { code, out, err };
    } finally {
      o.mockRestore();
      e.mockRestore();
      process.exitCode = undefined;
    }
  }

  it('imports with progress and a summary line; second run skips unchanged; missing folder exits 2', async () => {
    const { dir, cleanup } = tempDir('srt-cli-');
    try {
      const logs = path.join(dir, 'logs');
      writeRun(logs, { dirName: '6001_1P_2D_20260101_000000', metadata: v2Metadata('6001', { concurrencies: '1x2x4' }), concurrencies: [1, 2] });
      fs.mkdirSync(path.join(logs, 'not-a-run'));
      const db = path.join(dir, 'cli.db');
      const first = await run(['--db', db, 'import', 'srt', logs]);
      expect(first.code).toBe(0);
      expect(first.out).toContain('[1/1] 6001_1P_2D_20260101_000000: 2 points, 0 log samples — incomplete: missing [4]');
      expect(first.out).toContain('srt import: 1 run folders — 0 imported, 1 incomplete, 0 skipped, 0 unchanged; 2 points; 0 warnings');
      const second = await run(['--db', db, 'import', 'srt', logs]);
      expect(second.out).toContain('6001_1P_2D_20260101_000000: unchanged, skipped');
      const missing = await run(['--db', db, 'import', 'srt', path.join(dir, 'nope')]);
      expect(missing.code).toBe(2);
      expect(missing.err).toContain('logs dir not found');
    } finally {
      cleanup();
    }
  });

  it('exits 1 when a file could not be read, after importing the rest', async () => {
    const { dir, cleanup } = tempDir('srt-cli-');
    try {
      writeRun(dir, { dirName: '6002_1P_2D_20260101_000000', metadata: v2Metadata('6002'), concurrencies: [1], extraFiles: { 'sa-bench_isl_1024_osl_1024/concurrency_2.json': 'oops' } });
      const res = await run(['--db', path.join(dir, 'cli.db'), 'import', 'srt', dir]);
      expect(res.code).toBe(1);
      expect(res.err).toContain(`warning: ${path.join('6002_1P_2D_20260101_000000', 'sa-bench_isl_1024_osl_1024', 'concurrency_2.json')}: not valid JSON`);
      expect(res.out).toContain('1 imported');
    } finally {
      cleanup();
    }
  });
});

describe('node metrics with DP ranks (the [ts DPn TPn EPn] form)', () => {
  it('sums DP ranks, ignores the other TP ranks of a DP group, caps long raw series', async () => {
    const { dir, cleanup } = tempDir('srt-dp-');
    try {
      const lines: string[] = [];
      const start = Date.UTC(2026, 0, 1, 0, 0, 0);
      for (let i = 0; i < 4000; i++) {
        const ts = new Date(start + i * 1000).toISOString().replace('T', ' ').slice(0, 19);
        const decode = (dp: number, tp: number, gen: number) =>
          `[${ts} DP${dp} TP${tp} EP${tp}] Decode batch, #running-req: 4, #token: 100, token usage: 0.50, pre-allocated usage: 0.00, #prealloc-req: 0, #transfer-req: 0, #queue-req: 0, gen throughput (token/s): ${gen}`;
        // DP0 is led by TP0, DP1 by TP8; TP1 repeats DP0's line and must not be counted twice.
        lines.push(decode(0, 0, 100), decode(0, 1, 100), decode(1, 8, 50));
      }
      writeRun(dir, {
        dirName: '7001_1P_1D_20260101_000000',
        metadata: v2Metadata('7001'),
        concurrencies: [1],
        extraFiles: { 'gpu07_decode_w0.err': `${lines.join('\n')}\n` },
      });
      const db = kyselyFor(openWriter(path.join(dir, 'dp.db')));
      try {
        const [report] = await importSrtRuns(db, dir);
        expect(report.samples).toBe(12000);
        const rank = await nodeMetricSeries(db, '7001', 'gen_throughput', 'rank', 10);
        expect(rank.map((s) => s.name)).toEqual(['gpu07_decode_w0 DP0', 'gpu07_decode_w0 DP1']);
        // 4000 one-second samples → buckets of 2 s.
        expect(rank[0].points).toHaveLength(2000);
        expect(rank[0].points[0]).toEqual({ ts: '2026-01-01 00:00:00', value: 100 });
        const agg = await nodeMetricSeries(db, '7001', 'gen_throughput', 'aggregate', 60);
        expect(agg.map((s) => s.name)).toEqual(['all decode workers']);
        expect(agg[0].points[0]).toEqual({ ts: '2026-01-01 00:00:00', value: 150 });
        const usage = await nodeMetricSeries(db, '7001', 'token_usage', 'node', 60);
        expect(usage[0].points[0].value).toBeCloseTo(0.5, 12);
      } finally {
        await db.destroy();
      }
    } finally {
      cleanup();
    }
  });
});

describe('other layouts', () => {
  it('reads a {type}_custom_{label} results folder and *_config.json files; refuses a second folder of the same job id', async () => {
    const { dir, cleanup } = tempDir('srt-custom-');
    try {
      writeRun(dir, {
        dirName: '8001_1P_2D_20260101_000000',
        metadata: v2Metadata('8001'),
        concurrencies: [2, 8],
        resultsDir: 'sa-bench_custom_long-prompts',
        extraFiles: { 'node01_prefill_0_config.json': JSON.stringify({ tp_size: 8, mem_fraction_static: 0.88 }) },
      });
      writeRun(dir, { dirName: '8001_1P_2D_20260102_000000', metadata: v2Metadata('8001'), concurrencies: [2] });
      const db = kyselyFor(openWriter(path.join(dir, 'c.db')));
      try {
        const reports = await importSrtRuns(db, dir);
        expect(reports[0]).toMatchObject({ outcome: 'ok', points: 2 });
        expect(reports[1]).toMatchObject({ outcome: 'skipped', reason: 'job id 8001 already imported from 8001_1P_2D_20260101_000000' });
        expect(reports[1].warnings[0].file).toBe('8001_1P_2D_20260102_000000');
        const run = await db.selectFrom('srt_runs').select(['run_dir', 'config_json']).where('job_id', '=', '8001').executeTakeFirstOrThrow();
        expect(run.run_dir).toBe('8001_1P_2D_20260101_000000');
        expect(JSON.parse(run.config_json as string)).toEqual({ 'node01_prefill_0_config.json': { tp_size: 8, mem_fraction_static: 0.88 } });
        const again = await importSrtRuns(db, dir);
        expect(again.map((r) => r.outcome)).toEqual(['unchanged', 'skipped']);
      } finally {
        await db.destroy();
      }
    } finally {
      cleanup();
    }
  });
});
