import type { Settings } from '../config';
import type { DataSource } from './services/data-source';

/** What every route module receives. */
export interface AppContext {
  settings: Settings;
  data: DataSource;
  /** Base dir of the logs (cron logs, plots) when present; files are served only from below it. */
  baseDir: string | null;
}
