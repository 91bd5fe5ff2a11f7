/**
 * A source tree can hold a FIFO or a link to /dev/zero (git commits symlinks; anyone can mkfifo in a
 * CI checkout). Ingest reads only regular files: it must finish, record an issue per such file and
 * keep every other row. The ingest runs in a child with a timeout, so a regression fails instead of
 * hanging the test run.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../config';
import { MAX_READ_BYTES, readBytes, readHead, readText } from '../../ingest/read-file';
import { CI_LOGS, tempDir } from '../helpers/fixtures';
import { queryFile } from '../helpers/sql';

const DATE = '20251130';
const tmp = tempDir('ci-dash-special-');
afterAll(() => tmp.cleanup());

/** The fixture tree reduced to one night of mi30x (folders kept, files of other nights left out). */
function copyNight(to: string): void {
  for (const part of [path.join('cron_log', 'mi30x', DATE), path.join('online_benchmark_log', 'mi30x'), 'test']) {
    fs.cpSync(path.join(CI_LOGS, part), path.join(to, part), {
      recursive: true,
      filter: (src) => fs.statSync(src).isDirectory() || src.includes(DATE),
    });
  }
}

function ingestInChild(baseDir: string, dbPath: string): { status: number | null; signal: string | null; stderr: string } {
  const payload = JSON.stringify({ dbPath, baseDir, dates: [DATE], hardware: ['mi30x'], lockDir: path.dirname(dbPath) });
  const res = spawnSync(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'bench', 'child-ingest.ts'), payload], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 60_000 });
  return { status: res.status, signal: res.signal, stderr: res.stderr };
}

const counts = (dbPath: string) =>
  queryFile<{ tasks: number; sanity: number; metrics: number }>(
    dbPath,
    `SELECT (SELECT COUNT(*) FROM benchmark_results) AS tasks, (SELECT COUNT(*) FROM sanity_check_results) AS sanity, (SELECT COUNT(*) FROM benchmark_metrics) AS metrics`,
  )[0];

describe('ingest over a FIFO and links to /dev/zero', () => {
  const clean = path.join(tmp.dir, 'clean');
  const special = path.join(tmp.dir, 'special');
  const grokCsv = () => {
    const dir = path.join(special, 'online_benchmark_log', 'mi30x', 'GROK1', `v0.5.5.post3-rocm700-mi30x-${DATE}_GROK1_MOE-I4F8_online`);
    return path.join(dir, `v0.5.5.post3-rocm700-mi30x-${DATE}_GROK1_MOE-I4F8_online.csv`);
  };
  const cron = (name: string) => path.join(special, 'cron_log', 'mi30x', DATE, name);

  beforeAll(() => {
    copyNight(clean);
    copyNight(special);
    fs.rmSync(cron('docker_image_check.log'));
    const made = spawnSync('mkfifo', [cron('docker_image_check.log')]);
    if (made.status !== 0) throw new Error(`mkfifo failed: ${made.stderr}`);
    fs.rmSync(cron('test_nightly.log'));
    fs.symlinkSync('/dev/zero', cron('test_nightly.log'));
    fs.rmSync(grokCsv());
    fs.symlinkSync('/dev/zero', grokCsv());
  });

  it('finishes, names each special file in an issue and keeps the other rows', () => {
    const cleanDb = path.join(tmp.dir, 'clean.db');
    const specialDb = path.join(tmp.dir, 'special.db');
    expect(ingestInChild(clean, cleanDb).status).toBe(0);
    const run = ingestInChild(special, specialDb);
    expect(run, run.stderr).toMatchObject({ status: 0, signal: null });

    const issues = queryFile<{ code: string; rel_path: string; message: string }>(specialDb, "SELECT code, rel_path, message FROM ingest_issues WHERE code = 'not_regular_file'");
    expect([...new Set(issues.map((i) => i.rel_path))].sort()).toEqual([
      `cron_log/mi30x/${DATE}/docker_image_check.log`,
      `cron_log/mi30x/${DATE}/test_nightly.log`,
      path.relative(special, grokCsv()),
    ]);
    expect(issues.find((i) => i.rel_path.endsWith('docker_image_check.log'))?.message).toMatch(/a FIFO, not a regular file/);
    expect(issues.find((i) => i.rel_path.endsWith('test_nightly.log'))?.message).toMatch(/a character device, not a regular file/);

    const before = counts(cleanDb);
    const after = counts(specialDb);
    expect(after.tasks).toBe(before.tasks);
    expect(after.sanity).toBe(before.sanity);
    expect(before.sanity).toBeGreaterThan(0);
    // Only the GROK1 CSV's numbers are missing; the timing summaries and serving logs still count.
    const csvRows = queryFile<{ n: number }>(cleanDb, `SELECT COUNT(*) AS n FROM benchmark_metrics WHERE source = 'csv' AND benchmark_name = 'Grok Online Benchmark'`)[0].n;
    expect(csvRows).toBeGreaterThan(0);
    expect(after.metrics).toBe(before.metrics - csvRows);
  });
});

describe('read-file', () => {
  it('refuses a FIFO without blocking and a device without reading it', () => {
    const fifo = path.join(tmp.dir, 'fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    expect(() => readText(fifo)).toThrow(/a FIFO, not a regular file/);
    expect(() => readHead('/dev/zero', 10)).toThrow(/a character device/);
    expect(() => readBytes(tmp.dir)).toThrow(/a directory/);
  });

  it('refuses a file over the cap and reads one at the cap', () => {
    const file = path.join(tmp.dir, 'big.log');
    fs.writeFileSync(file, 'x'.repeat(1000));
    expect(readBytes(file, 1000).length).toBe(1000);
    expect(() => readBytes(file, 999)).toThrow(/1000 bytes is over the 999-byte read limit/);
    expect(readHead(file, 10)).toBe('x'.repeat(10));
    expect(MAX_READ_BYTES).toBe(64 * 1024 * 1024);
  });

  it('reads a regular file that reports size 0 (procfs) to its end, within the cap', () => {
    expect(fs.statSync('/proc/self/status').size).toBe(0);
    expect(readText('/proc/self/status')).toMatch(/^Name:/);
    expect(() => readBytes('/proc/self/status', 10)).toThrow(/over 10 bytes/);
  });
});
