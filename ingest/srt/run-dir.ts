/**
 * Pure rules about the srt-slurm folder layout: which entries are runs, where results and logs sit,
 * and what a run's status is. The importer does the file I/O and calls these.
 */

export interface RunDirName {
  jobId: string;
  topology: string | null;
  runTs: string | null;
}

/** `{jobid}_{topology}_{YYYYMMDD_HHMMSS}`; any entry whose name starts with a numeric job id is a run. */
export function parseRunDirName(name: string): RunDirName | null {
  const m = /^(\d+)(?:_(.*))?$/.exec(name);
  if (!m) return null;
  const rest = m[2] ?? '';
  const ts = /(?:^|_)(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2})$/.exec(rest);
  const topo = /^(\d+P_\d+D|\d+A)(?:_|$)/.exec(rest);
  return {
    jobId: m[1],
    topology: topo ? topo[1] : null,
    runTs: ts ? `${ts[1]}-${ts[2]}-${ts[3]} ${ts[4]}:${ts[5]}:${ts[6]}` : null,
  };
}

/** Results folders: `{type}_isl_{isl}_osl_{osl}` or `{type}_custom_{label}`. */
export function isResultsDirName(name: string): boolean {
  return /_isl_\d+_osl_\d+$/.test(name) || /_custom_[^/]+$/.test(name);
}

/** The folder the run's own metadata names, when it names one. */
export function expectedResultsDirName(type: string | null, isl: number | null, osl: number | null): string | null {
  return type && isl !== null && osl !== null ? `${type}_isl_${isl}_osl_${osl}` : null;
}

export type RunStatus = 'ok' | 'incomplete' | 'skipped';

export interface StatusVerdict {
  status: RunStatus;
  reason: string | null;
  missing: number[];
}

/** The completeness rule of §10.2: compare the concurrencies found with the ones the run expected. */
export function runStatus(found: number[], expected: number[] | null, resultsWhere: string): StatusVerdict {
  if (found.length === 0) return { status: 'skipped', reason: `no result files (${resultsWhere})`, missing: [] };
  const have = new Set(found);
  const missing = (expected ?? []).filter((c) => !have.has(c));
  if (missing.length > 0) return { status: 'incomplete', reason: `incomplete: missing [${missing.join(', ')}]`, missing };
  return { status: 'ok', reason: null, missing: [] };
}

export function isProfilerRun(type: string | null): boolean {
  return type === 'torch-profiler';
}
