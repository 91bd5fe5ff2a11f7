/**
 * Plot PNGs of the CI tree (SPEC §2.4, §4.14): their file names and their folder layout
 * `{root}/{MODEL}/{online|offline}/{file}.png`, shared by the ingest (plot_assets rows) and the
 * dashboard (the tree read on demand over a DB without plot_assets). No I/O here: the caller lists folders.
 */
import { isRealDate } from './dates';

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

/** One `.png` in a mode folder of the tree; `name` is null when the file name does not parse. */
export interface PlotTreeFile {
  model: string;
  mode: PlotMode;
  file_name: string;
  /** `{rootRel}/{model}/{mode}/{file}`, '/'-separated. */
  rel_path: string;
  name: PlotName | null;
}

/** A folder's entries as the caller's I/O sees them, sorted or not. */
export interface FolderListing {
  folders: string[];
  files: string[];
}

/**
 * Every `.png` below `{rootRel}/{MODEL}/{mode}/`, model folders in name order. `list(rel)` reads one
 * folder relative to the tree (an absent or unreadable one lists nothing; the caller may report it).
 */
export function walkPlotTree(rootRel: string, list: (rel: string) => FolderListing): PlotTreeFile[] {
  const out: PlotTreeFile[] = [];
  for (const model of [...list(rootRel).folders].sort()) {
    for (const mode of PLOT_MODES) {
      const modeRel = `${rootRel}/${model}/${mode}`;
      for (const fileName of [...list(modeRel).files].sort()) {
        if (!fileName.toLowerCase().endsWith('.png')) continue;
        out.push({ model, mode, file_name: fileName, rel_path: `${modeRel}/${fileName}`, name: parsePlotFileName(fileName) });
      }
    }
  }
  return out;
}

/**
 * The (model, mode, file) a stored plot path names, read from its tail: `…/{MODEL}/{mode}/{file}.png`.
 * Fits the original's `plot_files` rows, whose local_path is the CI machine's absolute path
 * (`/…/plots_server/GROK2/online/…png`) and whose github_url ends in `/plot/{hw}/GROK2/online/…png`.
 */
export function plotPathTail(stored: string | null): { model: string; mode: PlotMode; file_name: string } | null {
  if (!stored) return null;
  const parts = stored.split(/[\\/]/).filter((p) => p !== '');
  if (parts.length < 3) return null;
  const [model, mode, fileName] = parts.slice(-3);
  if (!(PLOT_MODES as readonly string[]).includes(mode) || !parsePlotFileName(fileName)) return null;
  return { model, mode: mode as PlotMode, file_name: fileName };
}
