import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { DEFAULTS, PROJECT_ROOT } from '../../../config';
import { kyselyFor, openReader } from '../../../database/connection';
import { lockPath, type LockInfo } from '../../../database/lock';
import { ensureSampleDatabase, SAMPLE_DIR, sampleDates } from '../../../ingest/sample';
import { selectSampleFiles, SAMPLE_DATES } from '../../../bench/make-sample';
import { walkFiles } from '../../../bench/synthetic-tree';
import { CI_LOGS, tempDir } from '../../helpers/fixtures';

const tmp = tempDir('ci-dash-sample-');
afterAll(() => tmp.cleanup());
const settings = { ...DEFAULTS, LOCK_DIR: tmp.dir, LOCK_WAIT_MS: 5_000 };

describe('sample-data', () => {
  const files = walkFiles(SAMPLE_DIR).filter((f) => f !== 'README.md');

  it('is what bench/make-sample.ts selects from the fixture, and small', () => {
    expect(files.sort()).toEqual(selectSampleFiles(CI_LOGS, SAMPLE_DATES));
    const bytes = files.reduce((sum, f) => sum + fs.statSync(path.join(SAMPLE_DIR, f)).size, 0);
    expect(bytes).toBeLessThan(4 * 1024 * 1024);
    expect(files.every((f) => fs.statSync(path.join(SAMPLE_DIR, f)).size <= 300 * 1024)).toBe(true);
    expect(files.some((f) => /server[^/]*\.log$/.test(f))).toBe(false);
  });

  it('holds no secrets', () => {
    for (const f of files.filter((name) => !name.endsWith('.png'))) {
      const text = fs.readFileSync(path.join(SAMPLE_DIR, f), 'utf8');
      expect(text, f).not.toMatch(/[?&]sig=(?!\*\*\*)/);
      expect(text, f).not.toMatch(/\b(ghp_|gho_|ghs_|github_pat_)[A-Za-z0-9_]{10,}/);
      expect(text, f).not.toMatch(/https:\/\/[^\s/]*(webhook\.office\.com|logic\.azure\.com)/);
      expect(text, f).not.toMatch(/https?:\/\/[^/\s:@]+:[^/\s@]+@/);
    }
  });

  it('has both nights for both hardware', () => {
    expect(sampleDates()).toEqual(SAMPLE_DATES);
    for (const hw of ['mi30x', 'mi35x']) for (const d of SAMPLE_DATES) expect(fs.existsSync(path.join(SAMPLE_DIR, 'cron_log', hw, d, 'test_nightly.log'))).toBe(true);
  });
});

describe('ensureSampleDatabase', () => {
  it('builds the DB from sample-data when there is none, with every night and the extras', async () => {
    const dbPath = path.join(tmp.dir, 'db', 'ci_dashboard.db');
    expect(await ensureSampleDatabase(dbPath, settings)).toEqual({ created: true, nights: 4 });
    expect(fs.readdirSync(path.dirname(dbPath)).filter((n) => n.includes('.tmp'))).toEqual([]);
    const conn = openReader(dbPath);
    const db = kyselyFor(conn);
    try {
      const runs = await db.selectFrom('test_runs').select(['run_date', 'hardware', 'overall_status']).orderBy('run_date').orderBy('hardware').execute();
      expect(runs.map((r) => `${r.run_date} ${r.hardware}`)).toEqual(['20251130 mi30x', '20251130 mi35x', '20251219 mi30x', '20251219 mi35x']);
      const grok = await db
        .selectFrom('benchmark_results')
        .innerJoin('test_runs', 'test_runs.id', 'benchmark_results.test_run_id')
        .select(['benchmark_results.status', 'benchmark_results.gsm8k_accuracy', 'benchmark_results.runtime_minutes'])
        .where('test_runs.run_date', '=', '20251130')
        .where('test_runs.hardware', '=', 'mi30x')
        .where('benchmark_results.benchmark_name', '=', 'Grok Online Benchmark')
        .executeTakeFirstOrThrow();
      expect(grok).toEqual({ status: 'pass', gsm8k_accuracy: 0.815, runtime_minutes: 30 });
      const upstream = await db.selectFrom('upstream_ci_reports').select('report_date').orderBy('report_date').execute();
      expect(upstream.map((r) => r.report_date)).toEqual(['20251130', '20251219']);
      const plots = await db.selectFrom('plot_assets').select('file_name').execute();
      expect(plots.length).toBeGreaterThan(0);
    } finally {
      await db.destroy();
    }
  });

  it('waits for a lock held by another process and renames the file into place while holding the lock', async () => {
    const dir = path.join(tmp.dir, 'locked');
    fs.mkdirSync(dir);
    const dbPath = path.join(dir, 'ci_dashboard.db');
    const lock = lockPath(null, dbPath);
    const [held, release] = [path.join(dir, 'held'), path.join(dir, 'release')];
    const holder = spawn(path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx'), [path.join(PROJECT_ROOT, 'tests', 'sync', 'lock-holder.ts'), lock, held, release], {
      cwd: PROJECT_ROOT,
      stdio: 'ignore',
    });
    const holderExit = new Promise((resolve) => holder.on('close', resolve));
    try {
      for (let waited = 0; !fs.existsSync(held); waited += 20) {
        expect(waited, 'the child never took the lock').toBeLessThan(30_000);
        await new Promise((r) => setTimeout(r, 20));
      }
      // Who holds the lock at the moment the DB file appears (the rename is the only way it appears).
      const holdersAtRename: Array<LockInfo | null> = [];
      const rename = fs.renameSync;
      vi.spyOn(fs, 'renameSync').mockImplementation((from, to) => {
        if (to === dbPath) holdersAtRename.push(fs.existsSync(lock) ? (JSON.parse(fs.readFileSync(lock, 'utf8')) as LockInfo) : null);
        rename(from, to);
      });
      let settled = false;
      const building = ensureSampleDatabase(dbPath, { ...settings, LOCK_DIR: null, LOCK_WAIT_MS: 60_000 }).finally(() => (settled = true));
      await new Promise((r) => setTimeout(r, 1_500));
      expect(settled).toBe(false);
      expect(fs.existsSync(dbPath)).toBe(false);

      fs.writeFileSync(release, '');
      expect(await building).toEqual({ created: true, nights: 4 });
      expect(await holderExit).toBe(0);
      expect(holdersAtRename).toEqual([expect.objectContaining({ pid: process.pid, purpose: 'ci-dash start (sample data)' })]);
      expect(fs.existsSync(lock)).toBe(false);
      expect(fs.readdirSync(dir).filter((n) => n.includes('.tmp'))).toEqual([]);
    } finally {
      vi.restoreAllMocks();
      fs.writeFileSync(release, '');
      await holderExit;
    }
  }, 90_000);

  it('leaves an existing database alone', async () => {
    const dbPath = path.join(tmp.dir, 'existing.db');
    fs.writeFileSync(dbPath, 'not touched');
    expect(await ensureSampleDatabase(dbPath, settings)).toEqual({ created: false, nights: 0 });
    expect(fs.readFileSync(dbPath, 'utf8')).toBe('not touched');
  });

  it('refuses a sample folder without nights', async () => {
    await expect(ensureSampleDatabase(path.join(tmp.dir, 'none.db'), settings, path.join(tmp.dir, 'empty-sample'))).rejects.toThrow(/no sample nights/);
    expect(fs.existsSync(path.join(tmp.dir, 'none.db'))).toBe(false);
  });
});
