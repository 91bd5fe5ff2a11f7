/**
 * Bench helper run in a fresh child process: one in-process `runIngest` into a fresh DB, then prints
 * `{ ingestMs, maxRssKb, nights, ok, failed }` as JSON. A child keeps the peak RSS about this ingest only.
 *
 *   node --import tsx bench/child-ingest.ts '<json: {dbPath, baseDir, dates, hardware, lockDir, extensions?}>'
 */
import { DEFAULTS } from '../config';
import { type Hardware } from '../core/hardware';
import { runIngest } from '../ingest/index';

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2]) as { dbPath: string; baseDir: string; dates: string[]; hardware: Hardware[]; lockDir: string; extensions?: boolean };
  const t0 = process.hrtime.bigint();
  const summary = await runIngest({
    dbPath: args.dbPath,
    baseDir: args.baseDir,
    dates: args.dates,
    hardware: args.hardware,
    extensions: args.extensions !== false,
    settings: { ...DEFAULTS, LOCK_DIR: args.lockDir },
    command: 'bench',
  });
  const ingestMs = Number(process.hrtime.bigint() - t0) / 1e6;
  process.stdout.write(JSON.stringify({ ingestMs, maxRssKb: process.resourceUsage().maxRSS, nights: summary.nights, ok: summary.ok, failed: summary.failed }));
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exitCode = 1;
});
