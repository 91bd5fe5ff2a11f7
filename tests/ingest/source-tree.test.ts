import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LayoutError, detectLayout, openSourceTree } from '../../ingest/source-tree';
import { CI_LOGS, tempDir } from '../helpers/fixtures';

let cleanup: (() => void) | null = null;
afterEach(() => {
  cleanup?.();
  cleanup = null;
});
function tree(dirs: string[]): string {
  const t = tempDir('ci-dash-tree-');
  cleanup = t.cleanup;
  for (const d of dirs) fs.mkdirSync(path.join(t.dir, d), { recursive: true });
  return t.dir;
}

describe('layout detection (SPEC §2.2)', () => {
  it('branch markers → branch; machine markers → machine; neither → branch', () => {
    expect(detectLayout(CI_LOGS)).toBe('branch');
    expect(detectLayout(tree(['cron/cron_log']))).toBe('machine');
    expect(detectLayout(tree(['plots_server']))).toBe('machine');
    expect(detectLayout(tree(['nothing-here']))).toBe('branch');
  });
  it('both → error asking for --layout; an explicit choice wins', () => {
    const dir = tree(['online', 'cron_log']);
    expect(() => detectLayout(dir)).toThrow(LayoutError);
    expect(() => detectLayout(dir)).toThrow(/--layout/);
    expect(detectLayout(dir, 'machine')).toBe('machine');
  });
});

describe('online entries', () => {
  it('branch: hw folder plus unknown/ entries naming the hw, de-duplicated, sorted', () => {
    const t = openSourceTree(CI_LOGS, 'branch');
    const mi35x = t.onlineEntries('mi35x', 'GROK1').map((e) => e.name);
    expect(mi35x).toContain('v0.5.5.post3-rocm700-mi35x-20251130_GROK1_MOE-I4F8_online');
    expect(mi35x).toEqual([...mi35x].sort());
    expect(t.onlineEntries('mi30x', 'GROK1').some((e) => e.name.includes('-mi35x-'))).toBe(false);
  });
  it('branch: the hw folder wins a name clash with unknown/', () => {
    const base = tree(['online_benchmark_log/mi35x/GROK1/x-mi35x-20251130_GROK1_online', 'online_benchmark_log/unknown/GROK1/x-mi35x-20251130_GROK1_online']);
    const entries = openSourceTree(base, 'branch').onlineEntries('mi35x', 'GROK1');
    expect(entries).toHaveLength(1);
    expect(entries[0].path).toContain(path.join('mi35x', 'GROK1'));
  });
  it("machine: online/{MODEL} minus the other hardware's runs", () => {
    const base = tree(['online/GROK1/a-mi30x-20251130_GROK1_online', 'online/GROK1/b-mi35x-20251130_GROK1_online', 'online/GROK1/test_dp4_torch_compile_no_cudagraph']);
    const names = openSourceTree(base, 'machine').onlineEntries('mi30x', 'GROK1').map((e) => e.name);
    expect(names).toEqual(['a-mi30x-20251130_GROK1_online', 'test_dp4_torch_compile_no_cudagraph']);
  });
  it('paths of cron logs and plots per layout', () => {
    const base = tree(['cron/cron_log/mi30x/20251130', 'plots_server/GROK1/online']);
    fs.writeFileSync(path.join(base, 'cron/cron_log/mi30x/20251130/test_nightly.log'), 'x');
    fs.writeFileSync(path.join(base, 'plots_server/GROK1/online/20251130_GROK1_online_standard.png'), 'x');
    const t = openSourceTree(base, 'machine');
    expect(t.cronLog('mi30x', '20251130', 'test_nightly.log')).toBe(path.join(base, 'cron/cron_log/mi30x/20251130/test_nightly.log'));
    expect(t.cronLog('mi30x', '20251130', 'grok_nightly.log')).toBeNull();
    expect(t.plotFile('mi30x', 'GROK1', '20251130_GROK1_online_standard.png')).not.toBeNull();
    expect(t.plotRootRel('mi30x')).toBe('plots_server');
    expect(openSourceTree(CI_LOGS, 'branch').plotRootRel('mi35x')).toBe('plot/mi35x');
  });
});
