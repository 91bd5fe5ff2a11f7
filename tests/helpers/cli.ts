/** Runs `ci-dash …` in this process, capturing stdout and stderr (vitest spies), and returns the exit code. */
import { vi } from 'vitest';
import { main } from '../../cli/main';

export async function runCli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((err += String(chunk)), true));
  process.exitCode = undefined;
  try {
    return { code: await main(['node', 'ci-dash', ...args]), out, err };
  } finally {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  }
}
