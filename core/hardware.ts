/** The hardware this CI runs on and the model folders each one benchmarks (SPEC §2, §4.2). */
export const HARDWARE = ['mi30x', 'mi35x'] as const;
export type Hardware = (typeof HARDWARE)[number];
export const MODEL_DIRS = ['GROK1', 'GROK2', 'DeepSeek-V3-0324', 'DeepSeek-R1-MXFP4-Preview'] as const;
export type ModelDir = (typeof MODEL_DIRS)[number];

/** The hardware's own DeepSeek model directory ({DS} in the SPEC). */
export function deepseekDir(hw: Hardware): ModelDir {
  return hw === 'mi30x' ? 'DeepSeek-V3-0324' : 'DeepSeek-R1-MXFP4-Preview';
}

export function isHardware(value: unknown): value is Hardware {
  return value === 'mi30x' || value === 'mi35x';
}
