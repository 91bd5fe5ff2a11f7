/** Paths of the shared, read-only fixtures and temp-dir helpers for tests. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const SHARED = path.resolve(__dirname, '..', '..', '..', 'shared');
export const FIXTURES = path.join(SHARED, 'fixtures');
export const CI_LOGS = path.join(FIXTURES, 'sglang-ci-logs');
export const EXPECTED_DEV = path.join(FIXTURES, 'expected-dev.json');
export const REFERENCE_REPLAY = path.join(FIXTURES, 'reference-replay-dev.json');

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
