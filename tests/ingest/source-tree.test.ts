import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LayoutError, assertKnownFolders, detectLayout, isCiNight, openSourceTree } from '../../ingest/source-tree';
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

describe('inputs of a night (issue 16: a date without any is not a CI night)', () => {
  it('cron dir with files, a result dir, or a sanity / PD / unit-test log of the date count; an empty cron dir does not', () => {
    const base = tree([
      'cron_log/mi30x/20251201',
      'cron_log/mi30x/20251202',
      'online_benchmark_log/mi35x/GROK2/v1-rocm700-mi35x-20251203_GROK2_FP8_online',
      'test/sanity_check_log/mi30x/v1-rocm700-mi30x-20251204',
      'test/pd/pd_log/mi35x/v1-rocm700-mi35x-20251205_rerun1',
      'test/unit-test-backend-8-gpu-CAR-amd/mi30x',
    ]);
    fs.writeFileSync(path.join(base, 'cron_log/mi30x/20251202/test_nightly.log'), 'x');
    fs.writeFileSync(path.join(base, 'test/unit-test-backend-8-gpu-CAR-amd/mi30x/v1-rocm700-mi30x-20251206.log'), 'x');
    const t = openSourceTree(base, 'branch');
    const nights = (hw: 'mi30x' | 'mi35x') => ['20251201', '20251202', '20251203', '20251204', '20251205', '20251206'].filter((d) => t.hasInputs(hw, d));
    expect(nights('mi30x')).toEqual(['20251202', '20251204', '20251206']);
    expect(nights('mi35x')).toEqual(['20251203', '20251205']);
    expect(isCiNight(t, '20251201')).toBe(false);
    expect(isCiNight(t, '20251203')).toBe(true);
  });

  it('a base dir holding none of the known top-level folders is refused, naming them', () => {
    const deep = tree(['mi30x/20251201', 'machine/plots_server']);
    expect(() => assertKnownFolders(deep, 'branch')).toThrow(/holds none of cron_log\/, online_benchmark_log\/, plot\/, test\/, upstream_ci\//);
    expect(() => assertKnownFolders(deep, 'machine')).toThrow(LayoutError);
    expect(() => assertKnownFolders(CI_LOGS, 'auto')).not.toThrow();
    expect(() => assertKnownFolders(path.join(deep, 'machine'), 'machine')).not.toThrow();
  });
});
