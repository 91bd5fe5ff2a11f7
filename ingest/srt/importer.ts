/**
 * `ci-dash import srt <logs-dir>`: reads every run folder, parses it with the pure parsers of this
 * folder and replaces the run's rows. A run whose files did not change (same fingerprint) is skipped
 * without parsing its logs. Bad files become warnings naming the file; the rest is still imported.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../../database/connection';
import { utcTimestamp } from '../../database/connection';
import type { Insertable } from 'kysely';
import type { SrtNodeMetricsTable, SrtRunsTable } from '../../database/schema';
import { MetadataError, frameworkVersionOf, parseSrtMetadata, topologyOf, totalGpus, type SrtRunMetadata } from '../../parsers/srt/metadata';
import { parseSrtResult, type SrtPoint } from '../../parsers/srt/results';
import { expectedResultsDirName, isProfilerRun, isResultsDirName, parseRunDirName, runStatus, type RunStatus } from './run-dir';
import { parseWorkerLog, parseWorkerLogName } from '../../parsers/srt/worker-log';
import { readBytes, readText } from '../read-file';

/** Bump when parsing changes so every run is re-imported once. */
const PARSER_VERSION = 'srt-1';

export type RunOutcome = RunStatus | 'unchanged';

export interface SrtWarning {
  /** Path relative to the logs dir. */
  file: string;
  message: string;
}

export interface RunReport {
  jobId: string;
  dir: string;
  outcome: RunOutcome;
  reason: string | null;
  points: number;
  samples: number;
  warnings: SrtWarning[];
}

export interface ImportOptions {
  /** Re-import even when the fingerprint did not change. */
  force?: boolean;
  onRun?: (report: RunReport, index: number, total: number) => void;
}

export class LogsDirError extends Error {}

interface RunFiles {
  /** Every regular file of the run dir and of `run/logs`, relative to the run dir. */
  files: string[];
  /** Sub-folders (relative) that hold results. */
  resultsDirs: string[];
}

function listDir(dir: string): fs.Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch {
    return [];
  }
}

/** Run folders (names starting with a numeric job id), in name order. */
export function findRunDirs(logsDir: string): string[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(logsDir);
  } catch {
    throw new LogsDirError(`logs dir not found: ${logsDir}`);
  }
  if (!stat.isDirectory()) throw new LogsDirError(`not a directory: ${logsDir}`);
  return listDir(logsDir).filter((e) => e.isDirectory() && parseRunDirName(e.name) !== null).map((e) => e.name);
}

function collectFiles(runDir: string): RunFiles {
  const files: string[] = [];
  const resultsDirs: string[] = [];
  // Results and logs live in the run dir itself or in `run/logs` (srtctl's layout).
  for (const base of ['', path.join('run', 'logs')]) {
    for (const e of listDir(path.join(runDir, base))) {
      const rel = path.join(base, e.name);
      if (e.isFile()) files.push(rel);
      else if (e.isDirectory() && isResultsDirName(e.name)) {
        resultsDirs.push(rel);
        for (const r of listDir(path.join(runDir, rel))) if (r.isFile() && r.name.endsWith('.json')) files.push(path.join(rel, r.name));
      }
    }
  }
  return { files, resultsDirs };
}

function isLogFile(rel: string): boolean {
  return parseWorkerLogName(path.basename(rel)) !== null;
}

/** Names + sizes + content hash of the small JSON files; names + sizes + mtimes of the (large) logs. */
function fingerprint(runDir: string, files: string[]): string {
  const h = crypto.createHash('sha256').update(PARSER_VERSION);
  for (const rel of files) {
    const abs = path.join(runDir, rel);
    const st = fs.statSync(abs);
    h.update(`\n${rel}\t${st.size}\t`);
    if (isLogFile(rel)) h.update(String(st.mtimeMs));
    else if (rel.endsWith('.json')) h.update(crypto.createHash('sha256').update(readBytes(abs)).digest('hex'));
  }
  return h.digest('hex');
}

interface ParsedRun {
  row: Insertable<SrtRunsTable>;
  points: SrtPoint[];
  samples: Array<Insertable<SrtNodeMetricsTable>>;
  tags: string[];
  reason: string | null;
  status: RunStatus;
}

/** The `srt_runs` columns the metadata and the folder name decide; pages read these, never the stored JSON. */
export function metadataRow(meta: SrtRunMetadata | null, name: ReturnType<typeof parseRunDirName>): Omit<Insertable<SrtRunsTable>, 'job_id' | 'status' | 'imported_at'> {
  return {
    job_name: meta?.jobName ?? null,
    run_ts: meta?.runTs ?? name?.runTs ?? null,
    metadata_format: meta?.format ?? null,
    topology: name?.topology ?? (meta ? topologyOf(meta) : null),
    mode: meta?.mode ?? (name?.topology?.endsWith('A') ? 'aggregated' : name?.topology ? 'disaggregated' : null),
    gpu_type: meta?.gpuType ?? null,
    gpus_per_node: meta?.gpusPerNode ?? null,
    gpus_total: meta ? totalGpus(meta) : null,
    prefill_nodes: meta?.prefillNodes ?? null,
    decode_nodes: meta?.decodeNodes ?? null,
    agg_nodes: meta?.aggNodes ?? null,
    prefill_workers: meta?.prefillWorkers ?? null,
    decode_workers: meta?.decodeWorkers ?? null,
    agg_workers: meta?.aggWorkers ?? null,
    gpus_per_prefill: meta?.gpusPerPrefill ?? null,
    gpus_per_decode: meta?.gpusPerDecode ?? null,
    gpus_per_agg: meta?.gpusPerAgg ?? null,
    container: meta?.container ?? null,
    framework_version: frameworkVersionOf(meta?.container ?? null),
    backend_type: meta?.backendType ?? null,
    frontend_type: meta?.frontendType ?? null,
    model: meta?.model ?? null,
    precision: meta?.precision ?? null,
    isl: meta?.isl ?? null,
    osl: meta?.osl ?? null,
    profiler: meta?.benchmarkType ?? null,
    expected_concurrencies: meta?.expectedConcurrencies ? JSON.stringify(meta.expectedConcurrencies) : null,
  };
}

/** Parses one run folder; I/O here, every rule in the pure modules. */
function parseRun(logsDir: string, dirName: string, files: RunFiles, warnings: SrtWarning[]): ParsedRun {
  const runDir = path.join(logsDir, dirName);
  const name = parseRunDirName(dirName);
  const jobId = name?.jobId ?? dirName;
  const rel = (file: string) => path.join(dirName, file);
  const base = { job_id: jobId, run_dir: dirName, imported_at: utcTimestamp() };
  let metadataJson: string | null = null;
  const skipped = (reason: string, meta: SrtRunMetadata | null): ParsedRun => ({
    row: { ...base, ...metadataRow(meta, name), status: 'skipped', status_reason: reason, metadata_json: meta ? metadataJson : null },
    points: [], samples: [], tags: meta?.tags ?? [], reason, status: 'skipped',
  });

  const metaFile = `${jobId}.json`;
  if (!files.files.includes(metaFile)) return skipped(`missing ${metaFile}`, null);
  let meta: SrtRunMetadata;
  try {
    metadataJson = readText(path.join(runDir, metaFile));
    meta = parseSrtMetadata(metadataJson);
  } catch (err) {
    const reason = err instanceof MetadataError ? err.message : `unreadable (${(err as Error).message})`;
    warnings.push({ file: rel(metaFile), message: reason });
    return skipped(`${metaFile}: ${reason}`, null);
  }
  if (meta.jobId && meta.jobId !== jobId) {
    warnings.push({ file: rel(metaFile), message: `job id ${meta.jobId} differs from the folder's ${jobId}; using the folder's` });
  }
  if (isProfilerRun(meta.benchmarkType)) return skipped('torch-profiler run (no throughput results)', meta);

  // The folder the metadata names wins; otherwise any results folder of the run.
  const wanted = expectedResultsDirName(meta.benchmarkType, meta.isl, meta.osl);
  const namedDirs = files.resultsDirs.filter((d) => path.basename(d) === wanted);
  const resultDirs = namedDirs.length > 0 ? namedDirs : files.resultsDirs;
  const gpus = totalGpus(meta);
  const byConcurrency = new Map<number, SrtPoint>();
  for (const file of files.files.filter((f) => resultDirs.includes(path.dirname(f)))) {
    try {
      const point = parseSrtResult(readText(path.join(runDir, file)), path.basename(file), gpus);
      const earlier = byConcurrency.get(point.concurrency);
      if (earlier) {
        warnings.push({ file: rel(file), message: `concurrency ${point.concurrency} already read from ${earlier.result_file}; ignored` });
        continue;
      }
      byConcurrency.set(point.concurrency, point);
    } catch (err) {
      warnings.push({ file: rel(file), message: (err as Error).message });
    }
  }
  const points = [...byConcurrency.values()].sort((a, b) => a.concurrency - b.concurrency);
  const where = resultDirs.length > 0 ? `looked in ${resultDirs.join(', ')}` : `no ${wanted ?? '*_isl_*_osl_*'} folder`;
  const verdict = runStatus(points.map((p) => p.concurrency), meta.expectedConcurrencies, where);
  if (verdict.status === 'skipped') return skipped(verdict.reason as string, meta);

  const samples: Array<Insertable<SrtNodeMetricsTable>> = [];
  const configs: Record<string, unknown> = {};
  for (const file of files.files) {
    const logName = parseWorkerLogName(path.basename(file));
    if (logName) {
      try {
        for (const s of parseWorkerLog(readText(path.join(runDir, file)))) {
          const { line: _line, ...values } = s;
          samples.push({ job_id: jobId, log_file: file, node: logName.node, worker_type: logName.workerType, worker_id: logName.workerId, ...values });
        }
      } catch (err) {
        warnings.push({ file: rel(file), message: `unreadable (${(err as Error).message})` });
      }
    } else if (file.endsWith('_config.json') && !resultDirs.includes(path.dirname(file))) {
      try {
        configs[path.basename(file)] = JSON.parse(readText(path.join(runDir, file)));
      } catch (err) {
        warnings.push({ file: rel(file), message: `not valid JSON (${(err as Error).message})` });
      }
    }
  }
  return {
    row: {
      ...base,
      ...metadataRow(meta, name),
      missing_concurrencies: verdict.missing.length > 0 ? JSON.stringify(verdict.missing) : null,
      status: verdict.status,
      status_reason: verdict.reason,
      metadata_json: metadataJson,
      config_json: Object.keys(configs).length > 0 ? JSON.stringify(configs) : null,
    },
    points, samples, tags: meta.tags, reason: verdict.reason, status: verdict.status,
  };
}

// SQLite allows 32,766 bound values per statement; node-metric rows have ~28 columns.
const CHUNK = 500;

async function writeRun(db: Db, parsed: ParsedRun, fp: string): Promise<void> {
  const jobId = parsed.row.job_id;
  await db.transaction().execute(async (trx) => {
    const { job_id: _id, ...update } = { ...parsed.row, fingerprint: fp };
    // Upsert, not delete+insert: the tags a user edited (and their flag) must survive a re-import.
    await trx.insertInto('srt_runs').values({ ...parsed.row, fingerprint: fp }).onConflict((oc) => oc.column('job_id').doUpdateSet(update)).execute();
    await trx.deleteFrom('srt_points').where('job_id', '=', jobId).execute();
    await trx.deleteFrom('srt_node_metrics').where('job_id', '=', jobId).execute();
    const points = parsed.points.map((p) => ({ job_id: jobId, ...p }));
    for (let i = 0; i < points.length; i += CHUNK) await trx.insertInto('srt_points').values(points.slice(i, i + CHUNK)).execute();
    for (let i = 0; i < parsed.samples.length; i += CHUNK) await trx.insertInto('srt_node_metrics').values(parsed.samples.slice(i, i + CHUNK)).execute();
    const edited = await trx.selectFrom('srt_runs').select('tags_edited_at').where('job_id', '=', jobId).executeTakeFirst();
    if (!edited?.tags_edited_at) {
      await trx.deleteFrom('srt_tags').where('job_id', '=', jobId).execute();
      if (parsed.tags.length > 0) await trx.insertInto('srt_tags').values(parsed.tags.map((tag) => ({ job_id: jobId, tag, source: 'file' }))).execute();
    }
  });
}

/** Imports every run folder under `logsDir`; returns one report per run, in folder-name order. */
export async function importSrtRuns(db: Db, logsDir: string, options: ImportOptions = {}): Promise<RunReport[]> {
  const dirs = findRunDirs(logsDir);
  const reports: RunReport[] = [];
  const seen = new Map<string, string>();
  for (const [index, dirName] of dirs.entries()) {
    const runDir = path.join(logsDir, dirName);
    const jobId = (parseRunDirName(dirName) as { jobId: string }).jobId;
    const warnings: SrtWarning[] = [];
    let report: RunReport;
    const first = seen.get(jobId);
    seen.set(jobId, first ?? dirName);
    try {
      // One row per job id: a second folder would overwrite the first on every import.
      if (first) throw new Error(`job id ${jobId} already imported from ${first}`);
      const files = collectFiles(runDir);
      const fp = fingerprint(runDir, files.files);
      const stored = await db.selectFrom('srt_runs').select(['fingerprint', 'status', 'status_reason', 'run_dir']).where('job_id', '=', jobId).executeTakeFirst();
      if (!options.force && stored?.fingerprint === fp && stored.run_dir === dirName) {
        report = { jobId, dir: dirName, outcome: 'unchanged', reason: stored.status_reason, points: 0, samples: 0, warnings };
      } else {
        const parsed = parseRun(logsDir, dirName, files, warnings);
        await writeRun(db, parsed, fp);
        report = { jobId, dir: dirName, outcome: parsed.status, reason: parsed.reason, points: parsed.points.length, samples: parsed.samples.length, warnings };
      }
    } catch (err) {
      warnings.push({ file: dirName, message: `run not imported: ${(err as Error).message}` });
      report = { jobId, dir: dirName, outcome: 'skipped', reason: (err as Error).message, points: 0, samples: 0, warnings };
    }
    reports.push(report);
    options.onRun?.(report, index, dirs.length);
  }
  return reports;
}
