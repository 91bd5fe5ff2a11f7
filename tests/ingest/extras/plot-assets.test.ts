import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CI_LOGS, tempDir } from '../../helpers/fixtures';
import { collectPlotAssets, parsePlotFileName } from '../../../ingest/plot-assets';

const tmp = tempDir('ci-dash-plots-');
afterAll(() => tmp.cleanup());

describe('parsePlotFileName (§2.4 plot name variants)', () => {
  it('reads the current names with a suffix', () => {
    expect(parsePlotFileName('20251130_GROK1_online_standard.png')).toEqual({ run_date: '20251130', nameModel: 'GROK1', mode: 'online', suffix: 'standard' });
    expect(parsePlotFileName('20251130_DeepSeek-R1-MXFP4-Preview_online_all.png')).toMatchObject({ nameModel: 'DeepSeek-R1-MXFP4-Preview', suffix: 'all' });
    expect(parsePlotFileName('20251219_DeepSeek-R1-MXFP4-Preview_online_standard.png')).toMatchObject({ suffix: 'standard' });
  });

  it('reads the legacy suffix-less name as suffix NULL', () => {
    expect(parsePlotFileName('20251004_GROK2_online.png')).toEqual({ run_date: '20251004', nameModel: 'GROK2', mode: 'online', suffix: null });
  });

  it('reads the one-offs (short model token, _mtp) and offline plots', () => {
    expect(parsePlotFileName('20251216_DeepSeek-V3_online_standard.png')).toEqual({ run_date: '20251216', nameModel: 'DeepSeek-V3', mode: 'online', suffix: 'standard' });
    expect(parsePlotFileName('20251120_DeepSeek-R1-MXFP4-Preview_online_mtp.png')).toMatchObject({ suffix: 'mtp' });
    expect(parsePlotFileName('20251120_GROK1_offline.png')).toMatchObject({ mode: 'offline', suffix: null });
  });

  it('returns null for anything else', () => {
    for (const name of ['plot.png', '20251130_GROK1.png', '20251332_GROK1_online.png', '2025113_GROK1_online.png', '20251130_GROK1_online_standard.svg', '20251130__online_.png']) {
      expect(parsePlotFileName(name)).toBeNull();
    }
  });
});

describe('collectPlotAssets on the fixture', () => {
  it('lists every mi35x PNG with its suffix variant and size', () => {
    const { rows, issues } = collectPlotAssets(CI_LOGS, 'plot/mi35x', 'mi35x');
    expect(issues).toEqual([]);
    expect(rows).toHaveLength(11);
    const legacy = rows.find((r) => r.file_name === '20251004_GROK2_online.png');
    expect(legacy).toEqual({
      hardware: 'mi35x', model: 'GROK2', mode: 'online', run_date: '20251004', suffix: null,
      file_name: '20251004_GROK2_online.png', rel_path: 'plot/mi35x/GROK2/online/20251004_GROK2_online.png',
      bytes: fs.statSync(path.join(CI_LOGS, 'plot/mi35x/GROK2/online/20251004_GROK2_online.png')).size,
    });
    const ds = rows.filter((r) => r.model === 'DeepSeek-R1-MXFP4-Preview').map((r) => [r.run_date, r.suffix]);
    expect(ds).toEqual([['20251130', 'all'], ['20251213', 'all'], ['20251219', 'standard']]);
  });

  it('lists the 12 mi30x PNGs, all standard, every rel_path resolving to the file', () => {
    const { rows } = collectPlotAssets(CI_LOGS, 'plot/mi30x', 'mi30x');
    expect(rows).toHaveLength(12);
    expect(new Set(rows.map((r) => r.suffix))).toEqual(new Set(['standard']));
    for (const r of rows) expect(fs.statSync(path.join(CI_LOGS, r.rel_path)).size).toBe(r.bytes);
  });

  it('reports unknown names as info issues, reads offline folders and symlinks, never crashes', () => {
    const root = path.join(tmp.dir, 'plots_server');
    fs.mkdirSync(path.join(root, 'GROK1', 'online'), { recursive: true });
    fs.mkdirSync(path.join(root, 'GROK1', 'offline'), { recursive: true });
    fs.writeFileSync(path.join(root, 'GROK1', 'online', 'latest.png'), 'x');
    fs.writeFileSync(path.join(root, 'GROK1', 'online', 'notes.txt'), 'x');
    fs.writeFileSync(path.join(root, 'GROK1', 'offline', '20251120_GROK1_offline.png'), 'xyz');
    fs.writeFileSync(path.join(root, 'GROK1', 'offline', '20251121_GROK1_online.png'), 'xyz');
    fs.symlinkSync(path.join(CI_LOGS, 'plot/mi30x/GROK1/online/20251130_GROK1_online_standard.png'), path.join(root, 'GROK1', 'online', '20251130_GROK1_online_standard.png'));
    fs.writeFileSync(path.join(root, 'stray.png'), 'x');
    const { rows, issues } = collectPlotAssets(tmp.dir, 'plots_server', 'mi30x');
    expect(rows.map((r) => [r.rel_path, r.mode, r.bytes])).toEqual([
      ['plots_server/GROK1/online/20251130_GROK1_online_standard.png', 'online', fs.statSync(path.join(CI_LOGS, 'plot/mi30x/GROK1/online/20251130_GROK1_online_standard.png')).size],
      ['plots_server/GROK1/offline/20251120_GROK1_offline.png', 'offline', 3],
    ]);
    expect(issues.map((i) => [i.severity, i.code, i.rel_path])).toEqual([
      ['info', 'plot_name_unknown', 'plots_server/GROK1/online/latest.png'],
      ['info', 'plot_name_unknown', 'plots_server/GROK1/offline/20251121_GROK1_online.png'],
    ]);
    expect(collectPlotAssets(tmp.dir, 'no/such/dir', 'mi35x')).toEqual({ rows: [], issues: [] });
  });
});
