import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePerfJson } from '../../parsers/perf-json';
import { importPerfJson, perfJsonFiles } from '../../ingest/perf-json-import';
import { kyselyFor, openWriter } from '../../database/connection';
import { main } from '../../cli/main';
import { FIXTURES, tempDir } from '../helpers/fixtures';

const DATA = path.join(__dirname, 'data');
const REAL = path.join(FIXTURES, 'sglang-nightly-metrics', 'test', 'metrics-4gpu-b200-partition-0.json');
const text = (name: string) => fs.readFileSync(path.join(DATA, name), 'utf8');

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
  process.exitCode = undefined;
});
function tmpDb(): string {
  const t = tempDir('ci-dash-perfjson-');
  cleanups.push(t.cleanup);
  return path.join(t.dir, 'db.sqlite');
}

describe('parsePerfJson', () => {
  it('shape (a): prefers benchmarks_by_io_len, lengths from the entry, null variant → default, nulls kept', () => {
    const r = parsePerfJson(text('consolidated-run.json'));
    expect(r.runs).toHaveLength(1);
    const run = r.runs[0];
    expect(run).toMatchObject({ run_id: '21900012345', commit_sha: '8b0aa9af2afb7a01f0002ef05d5a80598e0ee3bb', branch: 'main', run_date: '2026-03-20T07:12:44.120355+00:00' });
    const def = run.results.filter((x) => x.variant === 'default');
    // The flat list's 9999 ms row is ignored because benchmarks_by_io_len is present.
    expect(def.map((x) => [x.batch_size, x.input_len, x.output_len, x.latency_ms])).toEqual([
      [1, 4096, 512, 5123.4],
      [8, 4096, 512, 7311.0],
      [1, 1024, 1024, 10022.7],
    ]);
    expect(def[1].ttft_ms).toBeNull();
    expect(def[0].partition).toBe('0');
    expect(JSON.parse(def[0].server_args as string)).toEqual(['--tp', '8', '--trust-remote-code']);
    const mtp = run.results.filter((x) => x.variant === 'TP8+MTP');
    expect(mtp.map((x) => x.acc_length)).toEqual([2.71, null]);
    expect(mtp[1].overall_throughput).toBeNull();
    // The diffusion entry (no benchmarks) is skipped with a problem naming where it is.
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0].at).toBe('$.results[2]');
    expect(r.problems[0].message).toContain('without benchmarks');
  });

  it('shape (b): an array of runs, numeric run_id and null branch accepted', () => {
    const r = parsePerfJson(text('fetcher-array.json'));
    expect(r.problems).toEqual([]);
    expect(r.runs.map((x) => [x.run_id, x.branch, x.results.length])).toEqual([
      ['21900099999', null, 1],
      ['21800000001', 'main', 1],
    ]);
    expect(r.runs[1].results[0].server_args).toBeNull();
  });

  it('shape (c): the real per-partition file with an empty results list', () => {
    const r = parsePerfJson(fs.readFileSync(REAL, 'utf8'));
    expect(r.problems).toEqual([]);
    expect(r.runs).toEqual([{ run_id: 'local', run_date: '2026-03-25T23:03:03.895947+00:00', commit_sha: null, branch: null, results: [] }]);
  });

  it('shape (c) with groups inherits nothing it has itself; bad numbers become null with a problem; other JSON is refused', () => {
    const doc = { run_id: 'p1', timestamp: '2026-03-22T01:00:00+00:00', gpu_config: '4-gpu-b200', partition: 2, results: [{ model: 'm', variant: 'v', server_args: null, benchmarks: [{ batch_size: 4, input_len: 10, output_len: 20, latency_ms: 'fast' }] }] };
    const r = parsePerfJson(JSON.stringify(doc));
    expect(r.runs[0].results[0]).toMatchObject({ gpu_config: '4-gpu-b200', partition: '2', variant: 'v', latency_ms: null, ttft_ms: null });
    expect(r.problems).toEqual([{ at: '$.results[0].benchmarks[0].latency_ms', message: '"fast" is not a number; stored as null' }]);
    expect(parsePerfJson('{"hello": 1}').problems[0].message).toContain('not a metrics run');
    expect(parsePerfJson('{oops').problems[0].message).toContain('not valid JSON');
  });
});

describe('importPerfJson (real SQLite)', () => {
  it('imports, is idempotent, records issues, and replaces a changed run', async () => {
    const dbPath = tmpDb();
    const sqlite = openWriter(dbPath);
    const db = kyselyFor(sqlite);
    try {
      const files = perfJsonFiles(DATA);
      expect(files.map((f) => path.basename(f))).toEqual(['consolidated-run.json', 'fetcher-array.json']);
      const first = await importPerfJson(db, files, { command: 'test', baseDir: DATA });
      expect(first.map((r) => [r.runs, r.rows, r.unchanged])).toEqual([
        [1, 5, 0],
        [2, 2, 0],
      ]);
      const snapshot = async () => ({
        runs: await db.selectFrom('perf_runs').select(['run_id', 'run_date', 'commit_sha', 'branch', 'imported_at']).orderBy('run_id').execute(),
        results: await db.selectFrom('perf_results').selectAll().orderBy('id').execute(),
      });
      const before = await snapshot();
      expect(before.results).toHaveLength(7);
      expect(before.results.filter((r) => r.variant === 'default')).toHaveLength(5);
      const second = await importPerfJson(db, files, { command: 'test', baseDir: DATA });
      expect(second.map((r) => r.unchanged)).toEqual([1, 2]);
      expect(await snapshot()).toEqual(before);
      const issues = await db.selectFrom('ingest_issues').select(['code', 'rel_path', 'message']).execute();
      expect(issues).toHaveLength(2);
      expect(issues[0]).toMatchObject({ code: 'perf_json', rel_path: 'consolidated-run.json' });
      expect(issues[0].message).toContain('$.results[2]');

      // The same run re-published with one row fewer: exactly the new set is kept.
      const changed = JSON.parse(text('consolidated-run.json'));
      delete changed.results[0].benchmarks_by_io_len['1024_1024'];
      const t = tempDir();
      cleanups.push(t.cleanup);
      fs.writeFileSync(path.join(t.dir, 'run.json'), JSON.stringify(changed));
      await importPerfJson(db, [path.join(t.dir, 'run.json')], { command: 'test', baseDir: t.dir });
      const rows = await db.selectFrom('perf_results').select('input_len').where('run_id', '=', '21900012345').execute();
      expect(rows).toHaveLength(4);
      expect(rows.some((r) => r.input_len === 1024)).toBe(false);
    } finally {
      await db.destroy();
    }
  });

  it('CLI: imports the real empty per-partition file, exit 0; a missing path is a usage error', async () => {
    const dbPath = tmpDb();
    expect(await main(['node', 'ci-dash', '--db', dbPath, '-q', 'import', 'perf-json', REAL])).toBe(0);
    const sqlite = openWriter(dbPath);
    try {
      expect(sqlite.prepare('SELECT run_id, run_date FROM perf_runs').all()).toEqual([{ run_id: 'local', run_date: '2026-03-25T23:03:03.895947+00:00' }]);
      expect(sqlite.prepare('SELECT COUNT(*) AS n FROM perf_results').get()).toEqual({ n: 0 });
    } finally {
      sqlite.close();
    }
    process.exitCode = undefined;
    expect(await main(['node', 'ci-dash', '--db', dbPath, '-q', 'import', 'perf-json', path.join(DATA, 'nope.json')])).toBe(2);
  });
});
