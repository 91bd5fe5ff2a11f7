/**
 * Paths of the read-only fixtures (tests/fixtures/, see its README) and temp-dir helpers for tests.
 * The two large trees are unpacked from their archives by the vitest globalSetup; a script outside
 * vitest calls ensureFixtures() first.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FIXTURES } from './fixture-archives';

export { FIXTURES, ensureFixtures } from './fixture-archives';
/** Real CI logs of the 10 DEV nights, log-branch layout (EXPECTED.md inside). */
export const CI_LOGS = path.join(FIXTURES, 'sglang-ci-logs');
/** Benchmark files of 39 more real nights (README.md inside). */
export const PERF_HISTORY = path.join(FIXTURES, 'sglang-ci-perf-history');
export const EXPECTED_DEV = path.join(FIXTURES, 'expected-dev.json');
export const REFERENCE_REPLAY = path.join(FIXTURES, 'reference-replay-dev.json');
export const NIGHTLY_METRICS = path.join(FIXTURES, 'sglang-nightly-metrics');
export const SRT_SLURM_RUNS = path.join(FIXTURES, 'srt-slurm-runs');

/** A fresh temp dir removed by the returned cleanup function. */
export function tempDir(prefix = 'ci-dash-'): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Fake secrets for the redaction tests, assembled at run time so that no committed file holds a
 * secret-shaped literal (secret scanners cannot tell a fake from a real one).
 */
export const FAKE_GITHUB_TOKEN = ['ghp', 'abcdefghijklmnopqrstuvwxyz0123456789'].join('_');
/** A `sig=<value>` query parameter of a signed webhook URL, with a fake value. */
export function fakeSigParam(value: string): string {
  return ['sig', value].join('=');
}
