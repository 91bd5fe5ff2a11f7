/**
 * Real plot PNGs on disk → `plot_assets` rows (SPEC §4.14). The compat `plot_files` rows only name the
 * files the original expected; the plots page shows what really exists, whatever its name variant (§2.4).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Hardware } from '../core/hardware';
import { walkPlotTree, type FolderListing } from '../core/plot-files';
import type { Insertable } from 'kysely';
import type { PlotAssetsTable } from '../database/schema';
import type { Collected, IngestIssue } from '../parsers/types';

export type PlotAssetRow = Insertable<PlotAssetsTable>;

export { parsePlotFileName } from '../core/plot-files';

/** A folder's entries; an absent folder is empty, one that exists but cannot be read is reported. */
const listDir = (dir: string, unreadable: (code: string) => void = () => undefined): fs.Dirent[] => {
  try {
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    if (code !== 'ENOENT') unreadable(code);
    return [];
  }
};

const statOrNull = (p: string): fs.Stats | null => {
  try {
    return fs.statSync(p);
  } catch {
    return null;
  }
};

/**
 * Scans `{plotRootRel}/{MODEL}/{online,offline}/*.png` under baseDir.
 * @param plotRootRel folder holding the model folders, relative to baseDir (`plot/{hw}` on the log
 *        branch, `plots_server` on a CI machine)
 */
export function collectPlotAssets(baseDir: string, plotRootRel: string, hw: Hardware): Collected<PlotAssetRow> {
  const rows: PlotAssetRow[] = [];
  const issues: IngestIssue[] = [];
  // plot_assets rows are only ever upserted: the rows of a folder that cannot be read stay as the last
  // readable ingest left them, and the issue says so.
  const unreadable = (rel: string) => (code: string) =>
    issues.push({ run_date: null, hardware: hw, severity: 'warn', code: 'plot_dir_unreadable', rel_path: rel, message: `cannot read plot folder (${code}); its plots from earlier ingests are kept as they were` });
  const rootRel = plotRootRel.split(path.sep).join('/');
  const list = (rel: string): FolderListing => {
    const entries = listDir(path.join(baseDir, rel), unreadable(rel));
    // Symlinked folders count (synthetic trees and some checkouts link instead of copying).
    return { folders: entries.filter((e) => e.isDirectory() || e.isSymbolicLink()).map((e) => e.name), files: entries.map((e) => e.name) };
  };
  for (const file of walkPlotTree(rootRel, list)) {
    const stat = statOrNull(path.join(baseDir, file.rel_path));
    if (!stat?.isFile()) continue;
    const parsed = file.name;
    if (!parsed || parsed.mode !== file.mode) {
      issues.push({
        run_date: null,
        hardware: hw,
        severity: 'info',
        code: 'plot_name_unknown',
        rel_path: file.rel_path,
        message: parsed ? `plot says mode ${parsed.mode} but sits in a ${file.mode} folder; not listed` : 'plot file name is not {YYYYMMDD}_{MODEL}_{online|offline}[_{suffix}].png; not listed',
      });
      continue;
    }
    rows.push({ hardware: hw, model: file.model, mode: file.mode, run_date: parsed.run_date, suffix: parsed.suffix, file_name: file.file_name, rel_path: file.rel_path, bytes: stat.size });
  }
  return { rows, issues };
}
