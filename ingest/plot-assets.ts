/**
 * Real plot PNGs on disk → `plot_assets` rows (SPEC §4.14). Placeholder: owned by the acceptance/extras engineer.
 */
import type { Hardware } from '../config';
import type { Insertable } from 'kysely';
import type { PlotAssetsTable } from '../database/schema';
import type { Collected } from './types';

export type PlotAssetRow = Insertable<PlotAssetsTable>;

/**
 * @param baseDir base dir of the logs
 * @param plotRootRel folder holding `{MODEL}/online/*.png`, relative to baseDir (`plot/{hw}` on the log
 *        branch, `plots_server` on a CI machine)
 */
export function collectPlotAssets(_baseDir: string, _plotRootRel: string, _hw: Hardware): Collected<PlotAssetRow> {
  return { rows: [], issues: [] };
}
