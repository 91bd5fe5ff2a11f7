/**
 * The task catalogue of SPEC §4.2 and the result shape every task parser returns.
 */
import type { Hardware } from './hardware';

export type TaskStatus = 'pass' | 'fail' | 'unknown' | 'not run';

/** One task's outcome: the compat fields of the original plus the rule that decided them. */
export interface TaskResult {
  /** Ingest-time `exists` (false = the job did not run; also feeds `not_run`). */
  exists: boolean;
  status: TaskStatus;
  runtimeMinutes: number | null;
  error: string | null;
  gsm8kAccuracy: number | null;
  /** SPEC rule id that decided the status, e.g. `T4`, `C2.3`, `C14`. */
  ruleId: string;
}

export type TaskKind = 'online' | 'validation';

export interface TaskSpec {
  name: string;
  kind: TaskKind;
  /** Model folders tried in order (online tasks only). */
  modelDirs: readonly string[];
  /** Result-dir name suffix (online tasks only). */
  modeSuffix: string | null;
  cronLog: string;
  /** GSM8K threshold of the extension (§4.15); null for validation tasks. */
  gsm8kThreshold: number | null;
}

const DEEPSEEK_DIRS = ['DeepSeek-R1-MXFP4-Preview', 'DeepSeek-V3-0324'] as const;

function online(name: string, modelDirs: readonly string[], modeSuffix: string, cronLog: string, threshold: number): TaskSpec {
  return { name, kind: 'online', modelDirs, modeSuffix, cronLog, gsm8kThreshold: threshold };
}

function validation(name: string, cronLog: string): TaskSpec {
  return { name, kind: 'validation', modelDirs: [], modeSuffix: null, cronLog, gsm8kThreshold: null };
}

const DEEPSEEK_THRESHOLD = 0.93;

const SHARED_TASKS: TaskSpec[] = [
  validation('Unit Tests', 'test_nightly.log'),
  validation('PD Disaggregation Tests', 'test_nightly_pd.log'),
  validation('Docker Image Check', 'docker_image_check.log'),
  online('Grok Online Benchmark', ['GROK1'], 'online', 'grok_nightly.log', 0.8),
  online('Grok 2 Online Benchmark', ['GROK2'], 'online', 'grok2_nightly_online.log', 0.92),
  online('DeepSeek Online Benchmark', DEEPSEEK_DIRS, 'online', 'deepseek_nightly_online.log', DEEPSEEK_THRESHOLD),
  online('DeepSeek DP Attention Test', DEEPSEEK_DIRS, 'online_dp_attention', 'deepseek_dp_attention.log', DEEPSEEK_THRESHOLD),
  online('DeepSeek Torch Compile Test', DEEPSEEK_DIRS, 'online_torch_compile', 'deepseek_torch_compile.log', DEEPSEEK_THRESHOLD),
  online('DeepSeek DP+Torch Compile', DEEPSEEK_DIRS, 'online_dp_attention_torch_compile', 'deepseek_dp_attention_torch_compile.log', DEEPSEEK_THRESHOLD),
];

const MI35X_TASKS: TaskSpec[] = [
  online('DeepSeek MTP Test', DEEPSEEK_DIRS, 'online_mtp_test', 'deepseek_r1_mxfp4_mtp.log', DEEPSEEK_THRESHOLD),
  online('DeepSeek DP+MTP Test', DEEPSEEK_DIRS, 'online_dp_attention_mtp_test', 'deepseek_r1_mxfp4_dp_mtp.log', DEEPSEEK_THRESHOLD),
];

/** The stored tasks of one hardware: 9 on mi30x, 11 on mi35x. */
export function tasksFor(hw: Hardware): TaskSpec[] {
  return hw === 'mi35x' ? [...SHARED_TASKS, ...MI35X_TASKS] : [...SHARED_TASKS];
}

/** The sanity job: parsed for its log row only; never stored as a task nor counted (§4.10). */
export const SANITY_CRON_LOG = 'sanity_check_nightly.log';

/** The task a result dir of `modelDir` belongs to: the one whose mode suffix the name ends with, longest first (§4.16). */
export function taskForResultDir(hw: Hardware, modelDir: string, dirName: string): TaskSpec | null {
  const candidates = tasksFor(hw).filter((t) => t.modelDirs.includes(modelDir) && t.modeSuffix !== null && dirName.endsWith(`_${t.modeSuffix}`));
  candidates.sort((a, b) => (b.modeSuffix as string).length - (a.modeSuffix as string).length);
  return candidates[0] ?? null;
}
