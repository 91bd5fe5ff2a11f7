/** Invariants of the task catalogue (SPEC §4.2) and what is derived from it. */
import { describe, expect, it } from 'vitest';
import { HARDWARE } from '../../core/hardware';
import {
  MACHINE_LOGS,
  SANITY_CRON_LOG,
  SANITY_TASK_NAME,
  START_TIME_LOGS,
  STORED_CRON_LOGS,
  TASKS,
  TASK_CRON_LOGS,
  TASK_GROUPS,
  gsm8kThreshold,
  isValidationTask,
  plotBenchmarkName,
  plotsFor,
  sanityDisplayName,
  sanityThreshold,
  taskById,
  taskForResultDir,
  taskGroup,
  taskGroupsFor,
  taskModelDir,
  taskNamesFor,
  taskOrder,
  tasksFor,
} from '../../core/tasks';

describe('task catalogue', () => {
  it('stores 9 tasks on mi30x and 11 on mi35x; the two MTP tests only on mi35x', () => {
    expect(tasksFor('mi30x')).toHaveLength(9);
    expect(tasksFor('mi35x')).toHaveLength(11);
    const only35 = tasksFor('mi35x').filter((t) => !tasksFor('mi30x').includes(t)).map((t) => t.id);
    expect(only35).toEqual(['deepseek_mtp', 'deepseek_dp_mtp']);
  });

  it('names, ids, cron logs and display positions are unique', () => {
    for (const key of ['name', 'id', 'cronLog', 'displayOrder'] as const) expect(new Set(TASKS.map((t) => t[key])).size).toBe(TASKS.length);
    expect(TASKS.map((t) => t.cronLog)).not.toContain(SANITY_CRON_LOG);
  });

  it('each task is in exactly one UI group, and the groups cover the catalogue', () => {
    for (const hw of HARDWARE) {
      const grouped = taskGroupsFor(hw).flatMap((g) => g.tasks);
      expect([...grouped].sort()).toEqual(tasksFor(hw).map((t) => t.name).sort());
      expect(new Set(grouped).size).toBe(grouped.length);
      expect(grouped).toEqual(taskNamesFor(hw));
    }
    expect(TASK_GROUPS.map((g) => g.name)).toEqual(['Performance Benchmarks', 'Integration Tests', 'Validation & Checks']);
    expect(taskGroupsFor('mi30x').map((g) => g.tasks.length)).toEqual([3, 3, 3]);
    expect(taskGroupsFor('mi35x').map((g) => g.tasks.length)).toEqual([3, 5, 3]);
  });

  it('validation tasks have no model folder, suffix, threshold nor plot; online tasks have all but plots', () => {
    for (const t of TASKS) {
      if (t.kind === 'validation') {
        expect([t.group, t.modelDirs.length, t.modeSuffix, t.gsm8kThreshold, t.plotSuffix]).toEqual(['Validation & Checks', 0, null, null, null]);
      } else {
        expect(t.group).not.toBe('Validation & Checks');
        expect(t.modelDirs.length).toBeGreaterThan(0);
        expect(t.modeSuffix).not.toBeNull();
        expect(t.gsm8kThreshold).toBeGreaterThan(0);
      }
    }
    expect(TASKS.filter((t) => t.plotSuffix !== null).every((t) => t.group === 'Performance Benchmarks')).toBe(true);
  });

  it('display order: catalogue first, unknown names last; unknown names group with integration tests', () => {
    expect(taskNamesFor('mi30x')[0]).toBe('Grok Online Benchmark');
    expect(taskNamesFor('mi35x').at(-1)).toBe('Docker Image Check');
    expect(taskOrder('Some Future Task')).toBeGreaterThan(taskOrder('Docker Image Check'));
    expect(taskGroup('Some Future Task')).toBe('Integration Tests');
    expect(isValidationTask('Some Future Task')).toBe(false);
    expect(isValidationTask('PD Disaggregation Tests')).toBe(true);
  });

  it('taskForResultDir picks the longest matching mode suffix of the folder', () => {
    const ds = 'DeepSeek-R1-MXFP4-Preview';
    const dir = (mode: string) => `v0.5-rocm700-mi35x-20251219_${ds}_${mode}`;
    expect(taskForResultDir('mi35x', ds, dir('online'))?.id).toBe('deepseek');
    expect(taskForResultDir('mi35x', ds, dir('online_dp_attention'))?.id).toBe('deepseek_dp');
    expect(taskForResultDir('mi35x', ds, dir('online_torch_compile'))?.id).toBe('deepseek_tc');
    expect(taskForResultDir('mi35x', ds, dir('online_dp_attention_torch_compile'))?.id).toBe('deepseek_dp_tc');
    expect(taskForResultDir('mi35x', ds, dir('online_dp_attention_mtp_test'))?.id).toBe('deepseek_dp_mtp');
    expect(taskForResultDir('mi35x', ds, dir('online_mtp_test'))?.id).toBe('deepseek_mtp');
    // MTP runs only on mi35x; GROK2 dirs belong to Grok 2 only; an offline dir to none.
    expect(taskForResultDir('mi30x', ds, dir('online_mtp_test'))).toBeNull();
    expect(taskForResultDir('mi30x', 'GROK2', 'x_20251219_GROK2_online')?.id).toBe('grok2');
    expect(taskForResultDir('mi30x', 'GROK1', 'x_20251219_GROK1_offline')).toBeNull();
  });

  it('plots (§4.14): Grok, Grok 2 and the hardware’s own DeepSeek folder; `all` only for mi35x DeepSeek', () => {
    const rows = (hw: 'mi30x' | 'mi35x') => plotsFor(hw).map((p) => [p.task.name, p.model, p.suffix]);
    expect(rows('mi30x')).toEqual([
      ['Grok Online Benchmark', 'GROK1', 'standard'],
      ['Grok 2 Online Benchmark', 'GROK2', 'standard'],
      ['DeepSeek Online Benchmark', 'DeepSeek-V3-0324', 'standard'],
    ]);
    expect(rows('mi35x')[2]).toEqual(['DeepSeek Online Benchmark', 'DeepSeek-R1-MXFP4-Preview', 'all']);
    expect(plotBenchmarkName('GROK1')).toBe('Grok Online Benchmark');
    expect(plotBenchmarkName('GROK2')).toBe('Grok 2 Online Benchmark');
    expect(plotBenchmarkName('DeepSeek-V3-0324')).toBe('DeepSeek Online Benchmark');
    expect(taskModelDir(taskById('deepseek_dp'), 'mi30x')).toBe('DeepSeek-V3-0324');
  });

  it('cron logs: the task map includes the sanity job; the probe lists follow §4.11 and §4.14', () => {
    expect(TASK_CRON_LOGS[SANITY_TASK_NAME]).toBe('sanity_check_nightly.log');
    expect(TASK_CRON_LOGS['DeepSeek DP+MTP Test']).toBe('deepseek_r1_mxfp4_dp_mtp.log');
    expect(STORED_CRON_LOGS).toEqual(['test_nightly.log', 'test_nightly_pd.log', 'sanity_check_nightly.log', 'docker_image_check.log']);
    expect(START_TIME_LOGS).toEqual(['deepseek_nightly_online.log', 'grok2_nightly_online.log', 'grok_nightly.log']);
    expect(MACHINE_LOGS).toEqual(['sanity_check_nightly.log', 'deepseek_nightly_online.log', 'grok2_nightly_online.log', 'grok_nightly.log', 'test_nightly.log']);
  });

  it('thresholds (§4.15, §4.9) and sanity display names', () => {
    expect(gsm8kThreshold('Grok Online Benchmark')).toBe(0.8);
    expect(gsm8kThreshold('Grok 2 Online Benchmark')).toBe(0.92);
    expect(gsm8kThreshold('DeepSeek MTP Test')).toBe(0.93);
    expect(gsm8kThreshold('Some Future Task')).toBe(0.8);
    expect(sanityThreshold('GROK2.5')).toBe(0.915);
    expect(sanityThreshold('constructor')).toBeNull();
    expect(sanityDisplayName('llama4')).toBe('Llama-4-Maverick-17B-128E-Instruct-FP8');
    expect(sanityDisplayName('GROK1-FP8')).toBe('GROK1-FP8');
  });
});
