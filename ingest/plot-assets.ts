/**
 * Real plot PNGs on disk → `plot_assets` rows (SPEC §4.14). The compat `plot_files` rows only name the
 * files the original expected; the plots page shows what really exists, whatever its name variant (§2.4).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Hardware } from '../core/hardware';
import { isRealDate } from '../core/dates';
import type { Insertable } from 'kysely';
import type { PlotAssetsTable } from '../database/schema';
import type { Collected, IngestIssue } from '../parsers/types';

export type PlotAssetRow = Insertable<PlotAssetsTable>;

export const PLOT_MODES = ['online', 'offline'] as const;
export type PlotMode = (typeof PLOT_MODES)[number];

export interface PlotName {
  run_date: string;
  /** Model token as written in the file name (one-offs say `DeepSeek-V3` inside the `DeepSeek-V3-0324` folder). */
  nameModel: string;
  mode: PlotMode;
  /** `standard`, `all`, `mtp`, …; null for the legacy suffix-less `{date}_{MODEL}_online.png`. */
  suffix: string | null;
}

// Greedy model group: the mode token is the last `_online`/`_offline`, so models containing `_` still parse.
const PLOT_NAME = /^(\d{4})(\d{2})(\d{2})_(.+)_(online|offline)(?:_([A-Za-z0-9][A-Za-z0-9_-]*))?\.png$/;

/** Parses `{date}_{MODEL}_{mode}[_{suffix}].png`; null for anything else (incl. impossible dates). */
export function parsePlotFileName(fileName: string): PlotName | null {
  const m = PLOT_NAME.exec(fileName);
  if (!m) return null;
  const [, y, mo, d, nameModel, mode, suffix] = m;
  if (!isRealDate(`${y}${mo}${d}`)) return null;
  return { run_date: `${y}${mo}${d}`, nameModel, mode: mode as PlotMode, suffix: suffix ?? null };
}

/** A folder's entries by name; an absent folder is empty, one that exists but cannot be read is reported. */
const listDir = (dir: string, unreadable: (code: string) => void = () => undefined): fs.Dirent[] => {
  try {
    return fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
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
  for (const modelEntry of listDir(path.join(baseDir, plotRootRel), unreadable(rootRel))) {
    // Symlinked folders count (synthetic trees and some checkouts link instead of copying).
    if (!modelEntry.isDirectory() && !modelEntry.isSymbolicLink()) continue;
    for (const mode of PLOT_MODES) {
      const modeRel = path.posix.join(rootRel, modelEntry.name, mode);
      for (const file of listDir(path.join(baseDir, modeRel), unreadable(modeRel))) {
        if (!file.name.toLowerCase().endsWith('.png')) continue;
        const relPath = `${modeRel}/${file.name}`;
        const stat = statOrNull(path.join(baseDir, relPath));
        if (!stat?.isFile()) continue;
        const parsed = parsePlotFileName(file.name);
        if (!parsed || parsed.mode !== mode) {
          issues.push({
            run_date: null,
            hardware: hw,
            severity: 'info',
            code: 'plot_name_unknown',
            rel_path: relPath,
            message: parsed ? `plot says mode ${parsed.mode} but sits in a ${mode} folder; not listed` : 'plot file name is not {YYYYMMDD}_{MODEL}_{online|offline}[_{suffix}].png; not listed',
          });
          continue;
        }
        rows.push({ hardware: hw, model: modelEntry.name, mode, run_date: parsed.run_date, suffix: parsed.suffix, file_name: file.name, rel_path: relPath, bytes: stat.size });
      }
    }
  }
  return { rows, issues };
}
