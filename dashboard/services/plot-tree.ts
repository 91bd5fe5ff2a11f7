/**
 * The plot PNGs of the log tree (`--base-dir`), read on demand for nights the DB has no plot_assets
 * for (issue 16.4: the original's DB, as `sync pull` brings it). Only files that /github-plots would
 * serve are listed: inside the real tree, regular files, in a known model folder.
 */
import type { Hardware } from '../../core/hardware';
import { walkPlotTree, type FolderListing, type PlotTreeFile } from '../../core/plot-files';
import type { PlotAsset, PlotTree } from '../../read/plots';
import { fileBelow, folderBelow, plotRoots } from './log-files';

const NOTHING: FolderListing = { folders: [], files: [] };

/** The tree's plot files of `hw` whose name parses and agrees with their mode folder. */
function treeFiles(baseDir: string, hw: Hardware): Array<PlotTreeFile & { name: NonNullable<PlotTreeFile['name']> }> {
  const list = (rel: string): FolderListing => {
    const folder = folderBelow(baseDir, ...rel.split('/'));
    if (!folder) return NOTHING;
    return {
      folders: folder.entries.filter((e) => e.isDirectory() || e.isSymbolicLink()).map((e) => e.name),
      files: folder.entries.filter((e) => fileBelow(baseDir, rel, e.name) !== null).map((e) => e.name),
    };
  };
  return plotRoots(hw)
    .flatMap((root) => walkPlotTree(root.join('/'), list))
    .filter((f): f is PlotTreeFile & { name: NonNullable<PlotTreeFile['name']> } => f.name !== null && f.name.mode === f.mode);
}

/** The tree under `baseDir` as the read model asks for it (walked once per hardware); null without a base dir. */
export function plotTree(baseDir: string | null): PlotTree | null {
  if (!baseDir) return null;
  const walked = new Map<Hardware, ReturnType<typeof treeFiles>>();
  const files = (hw: Hardware) => walked.get(hw) ?? walked.set(hw, treeFiles(baseDir, hw)).get(hw)!;
  return {
    dates: (hw) => [...new Set(files(hw).map((f) => f.name.run_date))],
    night: (hw, date): PlotAsset[] =>
      files(hw)
        .filter((f) => f.name.run_date === date)
        .map((f) => ({ model: f.model, mode: f.mode, suffix: f.name.suffix, file_name: f.file_name, rel_path: f.rel_path })),
  };
}
