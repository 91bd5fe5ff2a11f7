/**
 * Issue 15 on the DEV fixture: the fixture is ingested into a temp DB; every failing task gets the
 * cause its real logs show (one expectation per failing task), every stored excerpt is found at its
 * file and line, and a re-ingest replaces the causes instead of adding to them.
 */
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../config';
import { redactSecrets } from '../../core/redact';
import { runIngest } from '../../ingest/index';
import { readLogWindows } from '../../ingest/failure-causes';
import { CI_LOGS, EXPECTED_DEV, tempDir } from '../helpers/fixtures';

/** `date hw task` → category, read off each failing task's logs. */
const EXPECTED: Record<string, string> = {
  '20251004 mi35x Sanity Check': 'model_path_missing',
  '20251012 mi30x Docker Image Check': 'docker_image_unavailable',
  '20251026 mi35x DeepSeek DP Attention Test': 'python_exception',
  '20251026 mi35x DeepSeek DP+MTP Test': 'python_exception',
  '20251026 mi35x DeepSeek DP+Torch Compile': 'python_exception',
  '20251026 mi35x DeepSeek MTP Test': 'python_exception',
  '20251026 mi35x DeepSeek Online Benchmark': 'python_exception',
  '20251026 mi35x DeepSeek Torch Compile Test': 'python_exception',
  '20251026 mi35x Grok 2 Online Benchmark': 'python_exception',
  '20251026 mi35x Grok Online Benchmark': 'python_exception',
  '20251106 mi30x Docker Image Check': 'docker_image_unavailable',
  '20251106 mi30x PD Disaggregation Tests': 'pd_error',
  '20251106 mi30x Unit Tests': 'unit_test_failures',
  '20251106 mi35x DeepSeek DP+Torch Compile': 'server_start_failed',
  '20251106 mi35x Docker Image Check': 'docker_image_unavailable',
  '20251106 mi35x PD Disaggregation Tests': 'pd_error',
  '20251106 mi35x Unit Tests': 'unit_test_failures',
  '20251115 mi30x Docker Image Check': 'docker_image_unavailable',
  '20251115 mi30x PD Disaggregation Tests': 'pd_error',
  '20251115 mi35x Docker Image Check': 'docker_image_unavailable',
  '20251115 mi35x PD Disaggregation Tests': 'pd_error',
  '20251115 mi35x Unit Tests': 'unit_test_failures',
  '20251130 mi30x DeepSeek DP Attention Test': 'did_not_complete',
  '20251130 mi30x DeepSeek Online Benchmark': 'gpu_memory_fault',
  '20251130 mi30x PD Disaggregation Tests': 'pd_error',
  '20251130 mi35x DeepSeek DP Attention Test': 'server_start_failed',
  '20251130 mi35x DeepSeek DP+MTP Test': 'server_start_failed',
  '20251130 mi35x DeepSeek MTP Test': 'server_start_failed',
  '20251130 mi35x DeepSeek Online Benchmark': 'server_start_failed',
  '20251130 mi35x DeepSeek Torch Compile Test': 'python_exception',
  '20251130 mi35x PD Disaggregation Tests': 'pd_error',
  '20251130 mi35x Sanity Check': 'gpu_oom',
  '20251213 mi30x DeepSeek Torch Compile Test': 'python_exception',
  '20251213 mi30x Grok 2 Online Benchmark': 'python_exception',
  '20251213 mi30x Grok Online Benchmark': 'python_exception',
  '20251213 mi30x PD Disaggregation Tests': 'model_path_missing',
  // mi30x has logs on 20251219 but no oracle row; the ingest creates one.
  '20251219 mi30x PD Disaggregation Tests': 'gpu_memory_fault',
  '20251219 mi35x PD Disaggregation Tests': 'pd_error',
  '20251219 mi35x Sanity Check': 'server_start_failed',
  '20251219 mi35x Unit Tests': 'did_not_complete',
};

interface Stored {
  key: string;
  run_date: string;
  task_name: string;
  category: string;
  summary: string;
  excerpt: string;
  file: string;
  line: number;
}

let tmp: ReturnType<typeof tempDir>;
let dbPath: string;
let stored: Stored[];
let failing: string[];

const dates = [...new Set((JSON.parse(fs.readFileSync(EXPECTED_DEV, 'utf8')).test_runs as Array<{ run_date: string }>).map((r) => r.run_date))].sort();

function readCauses(): Stored[] {
  const db = new BetterSqlite3(dbPath, { readonly: true });
  try {
    return (
      db
        .prepare(
          `SELECT r.run_date, r.hardware, f.task_name, f.category, f.summary, f.excerpt, f.file, f.line
           FROM task_failures f JOIN test_runs r ON r.id = f.test_run_id ORDER BY r.run_date, r.hardware, f.task_name`,
        )
        .all() as Array<Omit<Stored, 'key'> & { hardware: string }>
    ).map((r) => ({ ...r, key: `${r.run_date} ${r.hardware} ${r.task_name}` }));
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  tmp = tempDir('failure-causes-');
  dbPath = path.join(tmp.dir, 'ci.db');
  const summary = await runIngest({ dbPath, baseDir: CI_LOGS, dates, hardware: ['mi30x', 'mi35x'], settings: loadSettings({}) });
  expect(summary.failed).toBe(0);
  stored = readCauses();
  const db = new BetterSqlite3(dbPath, { readonly: true });
  failing = (
    db
      .prepare(
        `SELECT r.run_date || ' ' || r.hardware || ' ' || b.benchmark_name AS key FROM benchmark_results b JOIN test_runs r ON r.id = b.test_run_id WHERE b.status = 'fail'
         UNION SELECT DISTINCT r.run_date || ' ' || r.hardware || ' Sanity Check' FROM sanity_check_results s JOIN test_runs r ON r.id = s.test_run_id WHERE s.status = 'fail'`,
      )
      .all() as Array<{ key: string }>
  ).map((r) => r.key);
  db.close();
}, 120_000);
afterAll(() => tmp.cleanup());

describe('causes of the DEV fixture’s failing tasks', () => {
  it('every failing task (and every night with a failing sanity model) has a cause, and no passing task has one', () => {
    expect(stored.map((s) => s.key).sort()).toEqual([...failing].sort());
  });

  for (const [key, category] of Object.entries(EXPECTED)) {
    it(`${key}: ${category}`, () => {
      const cause = stored.find((s) => s.key === key);
      expect(cause, `no cause stored for ${key}`).toBeDefined();
      expect(cause?.category).toBe(category);
      expect(cause?.summary.length).toBeGreaterThan(0);
    });
  }

  it('names the expectation of every failing task (the table above covers them all)', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...failing].sort());
  });

  it('every excerpt is found at its file and line (each excerpt line a piece of the redacted real line)', () => {
    for (const cause of stored) {
      const lines = fs.readFileSync(path.join(CI_LOGS, cause.file), 'utf8').split('\n');
      const excerpt = cause.excerpt.split('\n');
      expect(cause.line, cause.key).toBeGreaterThanOrEqual(1);
      excerpt.forEach((l, i) => {
        const real = redactSecrets((lines[cause.line - 1 + i] ?? '').replace(/\r$/, ''));
        // A line's start, or for a redrawn progress line the piece a terminal last showed.
        expect(real.includes(l) && (real.startsWith(l) || real.includes('\r')), `${cause.key}: ${cause.file}:${cause.line + i}`).toBe(true);
      });
      expect(excerpt.join('').trim().length, cause.key).toBeGreaterThan(0);
    }
  });

  it('keeps the decisive lines: exception type and message, PD step, timeout', () => {
    const byKey = new Map(stored.map((s) => [s.key, s]));
    expect(byKey.get('20251213 mi30x Grok Online Benchmark')?.summary).toBe("NameError: name 'paged_attention_ragged' is not defined");
    expect(byKey.get('20251130 mi35x PD Disaggregation Tests')?.summary).toBe("PD: Prefill Server container stopped — ImportError: cannot import name 'ServerArgs' from 'sglang' (unknown location)");
    expect(byKey.get('20251130 mi35x DeepSeek Online Benchmark')?.summary).toBe('Server failed to start in time (900 s timeout)');
    expect(byKey.get('20251130 mi35x DeepSeek Online Benchmark')?.file).toBe('cron_log/mi35x/20251130/deepseek_nightly_online.log');
    expect(byKey.get('20251130 mi35x DeepSeek DP Attention Test')?.file).toBe('cron_log/mi35x/20251130/deepseek_r1_mxfp4_dp_test.log');
  });

  it('a re-ingest replaces the causes', async () => {
    await runIngest({ dbPath, baseDir: CI_LOGS, dates: ['20251130'], hardware: ['mi35x'], settings: loadSettings({}) });
    expect(readCauses()).toEqual(stored);
  }, 60_000);
});

describe('big logs are read as a head and a tail window with real line numbers', () => {
  it('numbers the tail window from the newlines before it', () => {
    const file = path.join(tmp.dir, 'sglang_server.log');
    const lines = Array.from({ length: 120_000 }, (_, i) => `[2025-12-13 11:46:38 TP0] line ${i + 1} ${'x'.repeat(40)}`);
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const windows = readLogWindows(file, 'x/sglang_server.log', 'server');
    expect(windows).toHaveLength(2);
    expect(windows[0].firstLine).toBe(1);
    const tail = windows[1];
    const first = tail.text.split('\n')[0];
    expect(first).toBe(lines[(tail.firstLine as number) - 1]);
    expect(tail.text.endsWith(`${lines.at(-1)}\n`)).toBe(true);
    expect(readLogWindows(path.join(tmp.dir, 'missing.log'), 'm', 'server')).toEqual([]);
    expect(readLogWindows(tmp.dir, 'dir', 'server')).toEqual([]);
  });
});
