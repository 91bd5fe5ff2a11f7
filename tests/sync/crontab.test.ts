import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../config';

// SPEC §5.1: CT time → log file, per hardware ('–' = not scheduled).
const SCHEDULE: Array<[string, string | null, string | null]> = [
  ['system_cleanup.log', '10:30', '10:30'],
  ['compare_suites_alert.log', '10:50', null],
  ['docker_image_check.log', '11:00', '11:00'],
  ['test_nightly.log', '11:01', '11:01'],
  ['sanity_check_nightly.log', '11:15', '11:05'],
  ['deepseek_nightly_online.log', '12:00', '11:50'],
  ['deepseek_dp_attention.log', '13:10', null],
  ['deepseek_torch_compile.log', '13:20', '15:35'],
  ['test_nightly_pd.log', '13:40', '14:50'],
  ['grok_nightly.log', '14:00', '14:15'],
  ['grok2_nightly_online.log', '15:35', '13:30'],
  ['deepseek_r1_mxfp4_mtp.log', null, '15:55'],
  ['deepseek_r1_mxfp4_dp_test.log', null, '16:35'],
  ['daily_summary_alert.log', '17:10', '17:25'],
];
const UPLOAD_ONLY = new Set(['system_cleanup.log', 'daily_summary_alert.log']);

function activeJobs(file: string): Map<string, { time: string; line: string }> {
  const text = fs.readFileSync(path.join(PROJECT_ROOT, 'cron', file), 'utf8');
  expect(text).toMatch(/^CRON_TZ=America\/Chicago$/m);
  // Secrets never on a crontab line (SPEC §5.1, §11 S5).
  expect(text).not.toMatch(/ghp_|github_pat_|GITHUB_TOKEN=|TEAMS_WEBHOOK_URL=|--teams-webhook-url|sig=/);
  const jobs = new Map<string, { time: string; line: string }>();
  for (const line of text.split('\n')) {
    const m = /^(\d+)\s+(\d+)\s+\*\s+\*\s+\*\s+(.*)$/.exec(line);
    if (!m) continue;
    const job = /\$RUN (?:--no-ingest )?(\S+\.log) -- \S/.exec(m[3]);
    expect(job, line).not.toBeNull();
    jobs.set((job as RegExpExecArray)[1], { time: `${m[2].padStart(2, '0')}:${m[1].padStart(2, '0')}`, line });
  }
  return jobs;
}

describe('crontab examples', () => {
  for (const [hwIndex, hw] of (['mi30x', 'mi35x'] as const).entries()) {
    it(`crontab.${hw} follows the §5.1 schedule through run-job.sh`, () => {
      const jobs = activeJobs(`crontab.${hw}`);
      const expected = SCHEDULE.filter((row) => row[hwIndex + 1] !== null);
      expect([...jobs.keys()].sort()).toEqual(expected.map((row) => row[0]).sort());
      for (const row of expected) {
        const job = jobs.get(row[0]) as { time: string; line: string };
        expect(job.time, row[0]).toBe(row[hwIndex + 1]);
        expect(job.line.includes('--no-ingest'), row[0]).toBe(UPLOAD_ONLY.has(row[0]));
      }
    });
  }

  it('run-job.sh is a strict bash script', () => {
    const script = fs.readFileSync(path.join(PROJECT_ROOT, 'cron', 'run-job.sh'), 'utf8');
    expect(script.startsWith('#!/usr/bin/env bash\n')).toBe(true);
    expect(script).toMatch(/^set -euo pipefail$/m);
    expect(fs.statSync(path.join(PROJECT_ROOT, 'cron', 'run-job.sh')).mode & 0o111).not.toBe(0);
  });
});
