/**
 * The standard srt tree of the importer, HTTP and browser tests, built with the shared builder of
 * bench/srt-run-tree.ts (real component files in the upstream layout).
 */
import fs from 'node:fs';
import path from 'node:path';
import { kyselyFor, openWriter } from '../../database/connection';
import { importSrtRuns, type RunReport } from '../../ingest/srt/importer';
import { tempDir } from '../helpers/fixtures';
import { CONCURRENCIES, legacyMetadata, v2Metadata, writeRun } from '../../bench/srt-run-tree';

export { CONCURRENCIES, PD_LOG_DIR, legacyMetadata, realResultPath, v2Metadata, writeRun } from '../../bench/srt-run-tree';

/** The standard tree used by the importer, HTTP and browser tests. */
export function buildStandardTree(logsDir: string): void {
  // Complete v2.0 run, results and worker logs in the run dir.
  writeRun(logsDir, { dirName: '4401001_1P_2D_20260314_192550', metadata: v2Metadata('4401001'), concurrencies: CONCURRENCIES, logs: true });
  // Older metadata form, results and logs under run/logs, two expected concurrencies never ran.
  writeRun(logsDir, {
    dirName: '4401002_1P_2D_20260315_101010',
    metadata: legacyMetadata('4401002', '1x2x4x8x16x32x64x128x256x512'),
    concurrencies: CONCURRENCIES.slice(0, 6).concat([128]),
    underRunLogs: true,
    logs: true,
  });
  // Same configuration as the first, newer container: a frontier trend point.
  writeRun(logsDir, {
    dirName: '4401003_1P_2D_20260320_080000',
    metadata: v2Metadata('4401003', { container: 'lmsysorg/sglang:v0.5.7-rocm700-mi30x', generatedAt: '2026-03-20 08:00:00', tags: ['nightly'] }),
    concurrencies: [4, 16, 64],
  });
  // Metadata but no results at all.
  writeRun(logsDir, { dirName: '4401004_1P_2D_20260321_080000', metadata: v2Metadata('4401004', { generatedAt: '2026-03-21 08:00:00' }) });
  // A profiler run: skipped by rule.
  writeRun(logsDir, { dirName: '4401005_1P_2D_20260322_080000', metadata: v2Metadata('4401005', { type: 'torch-profiler', generatedAt: '2026-03-22 08:00:00' }), concurrencies: [8] });
  // Not runs: no numeric job id.
  fs.mkdirSync(path.join(logsDir, '_upstream_components', 'x'), { recursive: true });
  fs.mkdirSync(path.join(logsDir, 'notes'), { recursive: true });
  fs.writeFileSync(path.join(logsDir, '123.txt'), 'a file, not a folder');
}

/** A temp logs dir with the standard tree imported into a fresh DB. */
export async function importedStandardDb(): Promise<{ dir: string; logsDir: string; dbPath: string; reports: RunReport[]; cleanup: () => void }> {
  const { dir, cleanup } = tempDir('srt-');
  const logsDir = path.join(dir, 'logs');
  fs.mkdirSync(logsDir);
  buildStandardTree(logsDir);
  const dbPath = path.join(dir, 'srt.db');
  const db = kyselyFor(openWriter(dbPath));
  try {
    const reports = await importSrtRuns(db, logsDir);
    return { dir, logsDir, dbPath, reports, cleanup };
  } finally {
    await db.destroy();
  }
}
