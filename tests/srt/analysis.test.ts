import { describe, expect, it } from 'vitest';
import { bucketSeries, combineSeries, configKey, diffRunSettings, metricRanges, paretoFrontier, RUN_SETTINGS_COLUMNS, type RunSettings } from '../../read/srt-analysis';
import { metadataRow } from '../../ingest/srt/importer';
import { parseSrtMetadata } from '../../parsers/srt/metadata';
import { legacyMetadata, v2Metadata } from './run-tree';

describe('paretoFrontier', () => {
  it('keeps exactly the points no other point beats on both axes, ordered by x', () => {
    const pts = [
      { id: 'a', x: 5, y: 30 },
      { id: 'b', x: 10, y: 12 },
      { id: 'c', x: 8, y: 10 }, // dominated by b
      { id: 'd', x: 12, y: 8 },
      { id: 'e', x: 12, y: 5 }, // dominated by d (same x, lower y)
      { id: 'f', x: 18, y: 1 },
      { id: 'g', x: 4, y: 29 }, // dominated by a
    ];
    expect(paretoFrontier(pts).map((p) => p.id)).toEqual(['a', 'b', 'd', 'f']);
  });

  it('drops duplicates and non-finite values, handles empty input', () => {
    expect(paretoFrontier([{ x: 1, y: 1 }, { x: 1, y: 1 }, { x: NaN, y: 100 }])).toEqual([{ x: 1, y: 1 }]);
    expect(paretoFrontier([])).toEqual([]);
  });

  it('a point that wins on both axes is the whole frontier', () => {
    expect(paretoFrontier([{ x: 1, y: 2 }, { x: 3, y: 4 }, { x: 2, y: 3 }])).toEqual([{ x: 3, y: 4 }]);
  });
});

/** The settings columns the importer stores for `metadata`, with the run-level ones fixed (then `over`). */
function settings(over: Partial<RunSettings>, metadata: object): RunSettings {
  const stored = metadataRow(parseSrtMetadata(JSON.stringify(metadata)), null);
  const fromFile = Object.fromEntries(RUN_SETTINGS_COLUMNS.map((c) => [c, stored[c as keyof typeof stored] ?? null])) as unknown as RunSettings;
  return {
    ...fromFile,
    container: 'lmsysorg/sglang:v0.5.6.post2-rocm630-mi30x', framework_version: 'v0.5.6.post2', model: 'zai-org/GLM-4.7', precision: 'bf16', gpu_type: 'mi300x',
    topology: '1P_2D', mode: 'disaggregated', gpus_total: 24, isl: 1024, osl: 1024, profiler: 'sa-bench', config_json: null,
    ...over,
  };
}

describe('diffRunSettings', () => {
  it('same settings, other job id, date and tags → comparable', () => {
    const a = settings({}, v2Metadata('1'));
    const b = settings({}, v2Metadata('2', { generatedAt: '2026-04-01 00:00:00', tags: ['other'] }));
    const d = diffRunSettings(a, b);
    expect(d).toMatchObject({ comparable: true, verdict: 'comparable', differences: [] });
    expect(d.same).toBeGreaterThan(15);
  });

  it('lists container and framework version when they differ', () => {
    const a = settings({}, v2Metadata('1'));
    const b = settings({ container: 'lmsysorg/sglang:v0.5.7-rocm700-mi30x', framework_version: 'v0.5.7' }, v2Metadata('2', { container: 'lmsysorg/sglang:v0.5.7-rocm700-mi30x' }));
    const d = diffRunSettings(a, b);
    expect(d.comparable).toBe(false);
    expect(d.verdict).toBe('2 settings differ');
    expect(d.differences).toEqual([
      { setting: 'container', a: 'lmsysorg/sglang:v0.5.6.post2-rocm630-mi30x', b: 'lmsysorg/sglang:v0.5.7-rocm700-mi30x' },
      { setting: 'framework_version', a: 'v0.5.6.post2', b: 'v0.5.7' },
    ]);
  });

  it('compares worker config files key by key and says "1 setting differs"', () => {
    const a = settings({ config_json: JSON.stringify({ 'prefill_config.json': { mem_fraction_static: 0.88, tp_size: 8 } }) }, v2Metadata('1'));
    const b = settings({ config_json: JSON.stringify({ 'prefill_config.json': { mem_fraction_static: 0.9, tp_size: 8 } }) }, v2Metadata('2'));
    const d = diffRunSettings(a, b);
    expect(d.verdict).toBe('1 setting differs');
    expect(d.differences).toEqual([{ setting: 'config.prefill_config.json.mem_fraction_static', a: '0.88', b: '0.9' }]);
  });

  it('treats a count of 0 like an absent count across the two metadata formats', () => {
    const a = settings({}, v2Metadata('1'));
    const b = settings({ model: '/models/GLM-4.7', precision: null }, legacyMetadata('2', '1x2'));
    const names = diffRunSettings(a, b).differences.map((x) => x.setting);
    expect(names).not.toContain('agg_workers');
    expect(names).not.toContain('agg_nodes');
    expect(names).toEqual(expect.arrayContaining(['model', 'precision', 'concurrencies', 'gpus_per_prefill']));
  });
});

describe('series helpers', () => {
  it('buckets samples and combines several series', () => {
    const s1 = bucketSeries([{ ts: '2026-01-01 00:00:01', value: 10 }, { ts: '2026-01-01 00:00:09', value: 20 }, { ts: '2026-01-01 00:00:11', value: 5 }], 10, 'avg');
    expect(s1).toEqual([{ ts: '2026-01-01 00:00:00', value: 15 }, { ts: '2026-01-01 00:00:10', value: 5 }]);
    const s2 = [{ ts: '2026-01-01 00:00:00', value: 1 }];
    expect(combineSeries([s1, s2], 'sum')).toEqual([{ ts: '2026-01-01 00:00:00', value: 16 }, { ts: '2026-01-01 00:00:10', value: 5 }]);
    expect(combineSeries([s1, s2], 'avg')[0].value).toBe(8);
  });

  it('min/max table names the run and concurrency of each extreme', () => {
    const rows = metricRanges(
      [
        { job_id: '1', concurrency: 4, mean_ttft_ms: 100 as number | null },
        { job_id: '2', concurrency: 64, mean_ttft_ms: 900 },
        { job_id: '2', concurrency: 8, mean_ttft_ms: null },
      ],
      ['mean_ttft_ms'] as const,
    );
    expect(rows).toEqual([{ metric: 'mean_ttft_ms', min: 100, min_at: { job_id: '1', concurrency: 4 }, max: 900, max_at: { job_id: '2', concurrency: 64 } }]);
  });

  it('config key groups runs that measure the same thing', () => {
    const run = { model: 'm', precision: 'fp8', gpu_type: 'mi355x', topology: '1P_4D', isl: 8192, osl: 1024 };
    expect(configKey(run)).toBe('m · fp8 · mi355x · 1P_4D · 8192/1024');
    expect(configKey({ ...run, precision: null })).toBe('m · ? · mi355x · 1P_4D · 8192/1024');
  });
});
