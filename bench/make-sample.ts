/**
 * Rebuilds `sample-data/`: a few real nights copied from the DEV fixture in the log-branch layout, small
 * enough to ship in the repo (used by `npm start` on a fresh clone, see ingest/sample.ts).
 *
 *   npx tsx bench/make-sample.ts [--fixture tests/fixtures/sglang-ci-logs] [--out sample-data] [--dates 20251130,20251219]
 *
 * Kept: every file whose path names one of the dates (cron logs, online result dirs incl. the mi35x runs
 * under `online_benchmark_log/unknown/`, sanity and PD summaries, unit-test logs, plots, upstream reports).
 * Left out: server logs, per-request client logs, sanity client/warm-up logs, big PD process logs, plot
 * generation logs, and anything over 300 KB. Text files pass through `redactSecrets`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../config';
import { redactSecrets } from '../core/redact';
import { walkFiles } from './synthetic-tree';
import { CI_LOGS, ensureFixtures } from '../tests/helpers/fixtures';

export const SAMPLE_DATES = ['20251130', '20251219'];
const MAX_BYTES = 300 * 1024;
const LEFT_OUT: RegExp[] = [
  /server[^/]*\.log$/, // sglang_server.log, server_output_aiter.log, *_server.log
  /\/sglang_client_log_[^/]*$/, // GSM8K and per-rate client output
  /_client_try\d+\.log$/,
  /_warmup\.log$/,
  /\/process_and_generate_online_plots\.log$/,
  /\/pd_log\/[^/]+\/[^/]+\/(prefill|decode|load_balance)\.log$/,
];

export function selectSampleFiles(fixture: string, dates: string[]): string[] {
  return walkFiles(fixture)
    .filter((rel) => dates.some((d) => rel.includes(d)))
    .filter((rel) => !rel.endsWith('.md') && !LEFT_OUT.some((re) => re.test(`/${rel}`)))
    .filter((rel) => fs.statSync(path.join(fixture, rel)).size <= MAX_BYTES)
    .sort();
}

/** Copies one file; text goes through redactSecrets (bytes kept as they are when nothing needs redacting). */
function copyRedacted(from: string, to: string): void {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  const buf = fs.readFileSync(from);
  if (!from.endsWith('.png')) {
    const text = buf.toString('utf8');
    const redacted = redactSecrets(text);
    if (redacted !== text) {
      fs.writeFileSync(to, redacted);
      return;
    }
  }
  fs.writeFileSync(to, buf);
}

async function main(argv: string[]): Promise<void> {
  const arg = (name: string, fallback: string) => {
    const i = argv.indexOf(name);
    return i >= 0 && argv[i + 1] ? argv[i + 1] : fallback;
  };
  await ensureFixtures();
  const fixture = path.resolve(arg('--fixture', CI_LOGS));
  const out = path.resolve(arg('--out', path.join(PROJECT_ROOT, 'sample-data')));
  const dates = arg('--dates', SAMPLE_DATES.join(',')).split(',');
  const files = selectSampleFiles(fixture, dates);
  for (const dir of ['cron_log', 'online_benchmark_log', 'test', 'plot', 'upstream_ci']) fs.rmSync(path.join(out, dir), { recursive: true, force: true });
  let bytes = 0;
  for (const rel of files) {
    copyRedacted(path.join(fixture, rel), path.join(out, rel));
    bytes += fs.statSync(path.join(out, rel)).size;
  }
  process.stdout.write(`sample-data: ${files.length} files, ${(bytes / 1024 / 1024).toFixed(2)} MB for ${dates.join(', ')} → ${out}\n`);
}

if (require.main === module) void main(process.argv.slice(2));
