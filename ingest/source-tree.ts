/**
 * The two on-disk layouts of the CI logs behind one interface (SPEC §2.2). Every ingest rule is
 * written against `SourceTree`; only this module knows where files live. Listings are returned
 * sorted by name, never in directory order (SPEC §2.5).
 */
import fs from 'node:fs';
import path from 'node:path';
import { HARDWARE, MODEL_DIRS, type Hardware } from '../core/hardware';

export type Layout = 'branch' | 'machine';
export type LayoutChoice = Layout | 'auto';

export interface DirEntry {
  name: string;
  /** Absolute path as found. */
  path: string;
  isDir: boolean;
}

export interface SourceTree {
  readonly layout: Layout;
  readonly baseDir: string;
  /** Absolute path of `{name}` in the cron log dir of (hw, date), or null when absent. */
  cronLog(hw: Hardware, date: string, name: string): string | null;
  cronDirExists(hw: Hardware, date: string): boolean;
  /** Result-dir entries of one model folder (both layouts' rules of §2.2), sorted by name ascending. */
  onlineEntries(hw: Hardware, model: string): DirEntry[];
  /** Model folder names present for hw (to report unknown ones). */
  onlineModelFolders(hw: Hardware): string[];
  /** Absolute path of `test/sanity_check_log/{hw}` (may not exist). */
  sanityDir(hw: Hardware): string;
  /** Absolute path of `test/pd/pd_log/{hw}` (may not exist). */
  pdLogDir(hw: Hardware): string;
  /** Absolute path of `test/unit-test-backend-8-gpu-CAR-amd/{hw}` (may not exist). */
  unitTestLogDir(hw: Hardware): string;
  /** Absolute path of the plot PNG, or null when absent. */
  plotFile(hw: Hardware, model: string, file: string): string | null;
  /** Folder holding `{MODEL}/online/*.png`, relative to the base dir. */
  plotRootRel(hw: Hardware): string;
  /** Absolute paths of `upstream_ci/ci_report/*` files, sorted by name. */
  upstreamReports(): string[];
  /** Path relative to the base dir (for issues and extension rows). */
  rel(absPath: string): string;
  /** `listDir`, read once per tree: a run lists the same folders for every night. Do not mutate the result. */
  listDir(dir: string): readonly DirEntry[];
  /**
   * Whether the tree holds any input of (hw, date): its cron dir, a result dir of the date, or a
   * sanity / PD / unit-test log of the date. A date without inputs for any hardware is not a CI night.
   */
  hasInputs(hw: Hardware, date: string): boolean;
}

/** `--layout` cannot be decided (both layouts' folders exist): exit 2 with a hint. */
export class LayoutError extends Error {
  readonly exitCode = 2;
}

const MACHINE_MARKERS = [path.join('cron', 'cron_log'), 'online', 'plots_server'];
const BRANCH_MARKERS = ['cron_log', 'online_benchmark_log', 'plot'];

/** Top-level folders both layouts share. */
const SHARED_FOLDERS = ['test', 'upstream_ci'];

/**
 * A base dir that holds none of the layout's known top-level folders is not a CI log tree (often
 * `--base-dir` one level too deep): a usage error naming what was expected, not a run of empty nights.
 */
export function assertKnownFolders(baseDir: string, choice: LayoutChoice): void {
  const names = (markers: string[]) => [...markers, ...SHARED_FOLDERS].map((m) => `${m.split(path.sep).join('/')}/`);
  const wanted = choice === 'branch' ? names(BRANCH_MARKERS) : choice === 'machine' ? names(MACHINE_MARKERS) : [...new Set([...names(BRANCH_MARKERS), ...names(MACHINE_MARKERS)])];
  if (wanted.some((m) => fs.existsSync(path.join(baseDir, m)))) return;
  const layoutName = choice === 'branch' ? ' (log-branch layout)' : choice === 'machine' ? ' (CI-machine layout)' : '';
  throw new LayoutError(`base dir ${baseDir} holds none of ${wanted.join(', ')}${layoutName}; point --base-dir at the top of the CI log tree`);
}

export function detectLayout(baseDir: string, choice: LayoutChoice = 'auto'): Layout {
  if (choice !== 'auto') return choice;
  const machine = MACHINE_MARKERS.some((m) => fs.existsSync(path.join(baseDir, m)));
  const branch = BRANCH_MARKERS.some((m) => fs.existsSync(path.join(baseDir, m)));
  if (machine && branch) {
    throw new LayoutError(`${baseDir} holds both a CI-machine layout and a log-branch layout; pass --layout machine or --layout branch`);
  }
  return machine ? 'machine' : 'branch';
}

function existing(file: string): string | null {
  return fs.existsSync(file) ? file : null;
}

function isDirectory(file: string): boolean {
  try {
    return fs.statSync(file).isDirectory();
  } catch {
    return false;
  }
}

/** Entries of a folder sorted by name (code-unit order); a missing folder has none. */
export function listDir(dir: string): DirEntry[] {
  let dirents: fs.Dirent[];
  try {
    dirents = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return dirents
    .sort((a, b) => compareNames(a.name, b.name))
    .map((d) => {
      const full = path.join(dir, d.name);
      // The entry type needs no stat, except for a symlink (or an unknown type), which is judged by its target.
      const isDir = d.isSymbolicLink() || !(d.isFile() || d.isDirectory()) ? isDirectory(full) : d.isDirectory();
      return { name: d.name, path: full, isDir };
    });
}

/** Plain code-unit comparison: deterministic and locale-free, like Python's sort of names. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const OTHER_HW: Record<Hardware, Hardware> = { mi30x: 'mi35x', mi35x: 'mi30x' };

abstract class BaseTree implements SourceTree {
  abstract readonly layout: Layout;
  readonly baseDir: string;
  private readonly listings = new Map<string, readonly DirEntry[]>();
  private readonly entries = new Map<string, DirEntry[]>();

  constructor(baseDir: string) {
    this.baseDir = path.resolve(baseDir);
  }

  listDir(dir: string): readonly DirEntry[] {
    let list = this.listings.get(dir);
    if (!list) this.listings.set(dir, (list = listDir(dir)));
    return list;
  }

  onlineEntries(hw: Hardware, model: string): DirEntry[] {
    const key = `${hw}/${model}`;
    let list = this.entries.get(key);
    if (!list) this.entries.set(key, (list = this.readOnlineEntries(hw, model)));
    return [...list];
  }

  protected abstract readOnlineEntries(hw: Hardware, model: string): DirEntry[];

  protected abstract cronDir(hw: Hardware, date: string): string;
  protected abstract plotPath(hw: Hardware, model: string, file: string): string;
  abstract plotRootRel(hw: Hardware): string;
  abstract onlineModelFolders(hw: Hardware): string[];

  cronLog(hw: Hardware, date: string, name: string): string | null {
    return existing(path.join(this.cronDir(hw, date), name));
  }

  cronDirExists(hw: Hardware, date: string): boolean {
    return isDirectory(this.cronDir(hw, date));
  }

  sanityDir(hw: Hardware): string {
    return path.join(this.baseDir, 'test', 'sanity_check_log', hw);
  }

  pdLogDir(hw: Hardware): string {
    return path.join(this.baseDir, 'test', 'pd', 'pd_log', hw);
  }

  unitTestLogDir(hw: Hardware): string {
    return path.join(this.baseDir, 'test', 'unit-test-backend-8-gpu-CAR-amd', hw);
  }

  plotFile(hw: Hardware, model: string, file: string): string | null {
    return existing(this.plotPath(hw, model, file));
  }

  upstreamReports(): string[] {
    return listDir(path.join(this.baseDir, 'upstream_ci', 'ci_report'))
      .filter((e) => !e.isDir)
      .map((e) => e.path);
  }

  rel(absPath: string): string {
    return path.relative(this.baseDir, absPath).split(path.sep).join('/');
  }

  hasInputs(hw: Hardware, date: string): boolean {
    if (this.listDir(this.cronDir(hw, date)).length > 0) return true;
    if (MODEL_DIRS.some((model) => this.onlineEntries(hw, model).some((e) => e.isDir && e.name.includes(date)))) return true;
    if (this.listDir(this.sanityDir(hw)).some((e) => e.name.endsWith(date))) return true;
    if (this.listDir(this.pdLogDir(hw)).some((e) => e.name.includes(`-${date}`))) return true;
    return this.listDir(this.unitTestLogDir(hw)).some((e) => e.name.endsWith(`-${date}.log`));
  }
}

/** Whether the tree holds an input of the date for any hardware (not only the ones being ingested). */
export function isCiNight(tree: SourceTree, date: string): boolean {
  return HARDWARE.some((hw) => tree.hasInputs(hw, date));
}

/** A checkout of the `log` branch (the fixture's layout). */
class BranchTree extends BaseTree {
  readonly layout = 'branch' as const;

  protected cronDir(hw: Hardware, date: string): string {
    return path.join(this.baseDir, 'cron_log', hw, date);
  }

  protected plotPath(hw: Hardware, model: string, file: string): string {
    return path.join(this.baseDir, 'plot', hw, model, 'online', file);
  }

  plotRootRel(hw: Hardware): string {
    return `plot/${hw}`;
  }

  onlineModelFolders(hw: Hardware): string[] {
    const root = path.join(this.baseDir, 'online_benchmark_log');
    const names = [...this.listDir(path.join(root, hw)), ...this.listDir(path.join(root, 'unknown'))].filter((e) => e.isDir).map((e) => e.name);
    return [...new Set(names)].sort(compareNames);
  }

  protected readOnlineEntries(hw: Hardware, model: string): DirEntry[] {
    const root = path.join(this.baseDir, 'online_benchmark_log');
    const own = this.listDir(path.join(root, hw, model));
    const seen = new Set(own.map((e) => e.name));
    // mi35x runs of 2025-11-27..30 were uploaded under `unknown/`; the hw folder wins on a name clash.
    const adopted = this.listDir(path.join(root, 'unknown', model)).filter((e) => e.name.includes(`-${hw}-`) && !seen.has(e.name));
    return [...own, ...adopted].sort((a, b) => compareNames(a.name, b.name));
  }
}

/** A CI machine's working tree (what the original ingest read). */
class MachineTree extends BaseTree {
  readonly layout = 'machine' as const;

  protected cronDir(hw: Hardware, date: string): string {
    return path.join(this.baseDir, 'cron', 'cron_log', hw, date);
  }

  protected plotPath(_hw: Hardware, model: string, file: string): string {
    return path.join(this.baseDir, 'plots_server', model, 'online', file);
  }

  plotRootRel(): string {
    return 'plots_server';
  }

  onlineModelFolders(): string[] {
    return this.listDir(path.join(this.baseDir, 'online')).filter((e) => e.isDir).map((e) => e.name);
  }

  protected readOnlineEntries(hw: Hardware, model: string): DirEntry[] {
    const foreign = `-${OTHER_HW[hw]}-`;
    return this.listDir(path.join(this.baseDir, 'online', model)).filter((e) => !e.name.includes(foreign));
  }
}

export function openSourceTree(baseDir: string, layout: Layout): SourceTree {
  return layout === 'machine' ? new MachineTree(baseDir) : new BranchTree(baseDir);
}
