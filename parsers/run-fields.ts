/**
 * Run-level fields (SPEC §4.11, §4.12): start time in the compat form and the corrected form,
 * machine-name candidates from log heads, and the URL templates. Pure functions over text.
 */
import type { Hardware } from '../core/hardware';
import { deepseekDir } from '../core/hardware';
import { dashed } from '../core/dates';
import { taskById, taskByName, taskModelDir, type DetailDirRule } from '../core/tasks';
import { PY_WS } from './text';

const S = `[${PY_WS}]`;
const NS = `[^${PY_WS}]`;
const STAMP = `(\\d{4}-\\d{2}-\\d{2}${S}+\\d{2}:\\d{2}:\\d{2})`;

/** Compat: `Script started at:` in a timing summary head, PST/PT only (PDT never matches, §4.11). */
export const SCRIPT_STARTED_PT = new RegExp(`Script started at:${S}*${STAMP}${S}*(PST|PT)`);
/** Compat: `Start time:` in a cron log head, PST/PT only. */
export const CRON_START_PT = new RegExp(`Start time:${S}*${STAMP}${S}*(PST|PT)`);
const ANY_START = new RegExp(`(?:Script started at|Start time):${S}*${STAMP}${S}*(PST|PDT|CST|CDT|PT|UTC)\\b`);

interface LocalTime {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
}

/** Parses `YYYY-MM-DD hh:mm:ss` like Python's strptime: out-of-range fields are rejected (null). */
function parseLocal(stamp: string): LocalTime | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})\s+(\d{2}):(\d{2}):(\d{2})$/u.exec(stamp.replace(new RegExp(`${S}+`, 'g'), ' '));
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (mo < 1 || mo > 12 || d < 1 || d > days || h > 23 || mi > 59 || s > 59) return null;
  return { y, mo, d, h, mi, s };
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `YYYY-MM-DD hh:mm AM PT` (12-hour, zero-padded) from a compat regex hit; null when the stamp is invalid. */
export function compatStartFrom(head: string, pattern: RegExp): string | null {
  const m = pattern.exec(head);
  if (!m) return null;
  const t = parseLocal(m[1]);
  if (!t) return null;
  const hour12 = t.h % 12 === 0 ? 12 : t.h % 12;
  return `${t.y}-${pad(t.mo)}-${pad(t.d)} ${pad(hour12)}:${pad(t.mi)} ${t.h < 12 ? 'AM' : 'PM'} PT`;
}

/** The date-only compat form `YYYY-MM-DD (PT)`. */
export function compatDateOnly(date: string): string {
  return `${dashed(date)} (PT)`;
}

const FIXED_OFFSETS: Record<string, number> = { PST: -480, PDT: -420, CST: -360, CDT: -300, UTC: 0 };

/** Offset (minutes) of America/Los_Angeles at a wall-clock time. */
function pacificOffset(t: LocalTime): number {
  const asUtc = Date.UTC(t.y, t.mo - 1, t.d, t.h, t.mi, t.s);
  const offsetAt = (epoch: number): number => {
    const name = new Intl.DateTimeFormat('en-US', { timeZone: 'America/Los_Angeles', timeZoneName: 'longOffset' })
      .formatToParts(new Date(epoch))
      .find((p) => p.type === 'timeZoneName')?.value;
    const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name ?? '');
    return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
  };
  const standard = offsetAt(asUtc + 480 * 60_000);
  return offsetAt(asUtc - standard * 60_000);
}

export interface StartedAt {
  iso: string;
  epochMs: number;
}

/** Corrected start time (any label) → ISO 8601 with offset, or null. */
export function parseStartedAt(head: string): StartedAt | null {
  const m = ANY_START.exec(head);
  if (!m) return null;
  const t = parseLocal(m[1]);
  if (!t) return null;
  const offset = m[2] === 'PT' ? pacificOffset(t) : FIXED_OFFSETS[m[2]];
  const epochMs = Date.UTC(t.y, t.mo - 1, t.d, t.h, t.mi, t.s) - offset * 60_000;
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return { iso: `${t.y}-${pad(t.mo)}-${pad(t.d)}T${pad(t.h)}:${pad(t.mi)}:${pad(t.s)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`, epochMs };
}

/** `{prefix}Machine: name` in a log head; prefix is a regex fragment such as `\[nightly\]\s*`. */
export function machineFrom(head: string, prefix: string): string | null {
  const m = new RegExp(`${prefix}Machine:${S}*(${NS}+)`).exec(head);
  return m ? m[1] : null;
}

export const NIGHTLY_MACHINE_PREFIX = `\\[nightly\\]${S}*`;
export const CHECK_MACHINE_PREFIX = `\\[check\\]${S}*`;
export const TEST_MACHINE_PREFIX = `\\[test\\]${S}*`;

export function hostnameFrom(head: string): string | null {
  const m = new RegExp(`Hostname:${S}*(${NS}+)`).exec(head);
  return m ? m[1] : null;
}

export interface RunUrls {
  github_log_url: string;
  github_cron_log_url: string;
  github_detail_log_url: string;
  plot_github_url: string;
  detail_tree_url: string;
}

/** The run-level URL templates of §4.12 (compat values, plus the corrected detail tree URL). */
export function runUrls(repo: string, hw: Hardware, date: string): RunUrls {
  const deepseek = taskById('deepseek');
  const ds = deepseekDir(hw);
  const suffix = deepseek.plotSuffix?.[hw];
  return {
    github_log_url: `https://github.com/${repo}/blob/log/cron_log/${hw}/${date}/daily_summary_alert.log`,
    github_cron_log_url: `https://github.com/${repo}/blob/log/cron_log/${hw}/${date}/${deepseek.cronLog}`,
    github_detail_log_url: `https://github.com/${repo}/tree/log/online/${ds}`,
    plot_github_url: `https://github.com/${repo}/blob/log/plot/${hw}/${ds}/online/${date}_${ds}_online_${suffix}.png`,
    detail_tree_url: `https://github.com/${repo}/tree/log/online_benchmark_log/${hw}/${ds}`,
  };
}

/** The rules test the lower-cased entry name; only (d)'s `_online` ending is tested on the name as written (compat). */
const DETAIL_DIR_RULES: Record<DetailDirRule, (lower: string, entry: string) => boolean> = {
  dp_attention: (e) => e.includes('dp_attention'),
  torch_compile_only: (e) => e.includes('torch_compile') && !e.includes('dp_attention'),
  dp_attention_torch_compile: (e) => e.includes('dp_attention') && e.includes('torch_compile'),
  plain_online: (e, entry) => !e.includes('dp_attention') && !e.includes('torch_compile') && entry.endsWith('_online'),
};

/**
 * benchmark_results.github_detail_log_url (§4.13) as the catalogue's detail link says; `entries` are the model
 * folder's entry names. Names outside the catalogue link the night's cron dir.
 */
export function taskDetailUrl(repo: string, hw: Hardware, date: string, taskName: string, entriesOf: (model: string) => string[]): string | null {
  const task = taskByName(taskName);
  const link = task?.detailLink ?? 'cron-dir';
  if (link === 'none') return null;
  if (link === 'cron-log') return `https://github.com/${repo}/blob/log/cron_log/${hw}/${date}/${task?.cronLog}`;
  if (link === 'cron-dir' || !task) return `https://github.com/${repo}/tree/log/cron_log/${hw}/${date}`;
  const model = taskModelDir(task, hw);
  const rules = link.resultDir.map((r) => DETAIL_DIR_RULES[r]);
  const hit = entriesOf(model)
    .filter((n) => n.includes(date) && n.includes('_online'))
    .sort()
    .reverse()
    .find((entry) => rules.some((rule) => rule(entry.toLowerCase(), entry)));
  const root = `https://github.com/${repo}/tree/log/online_benchmark_log/${hw}/${model}`;
  return hit ? `${root}/${hit}` : root;
}

/** Raw URL of a cron log (log_files.github_url). */
export function cronLogRawUrl(repo: string, hw: Hardware, date: string, name: string): string {
  return `https://raw.githubusercontent.com/${repo}/log/cron_log/${hw}/${date}/${name}`;
}

/** Raw URL of a plot (plot_files.github_url). */
export function plotRawUrl(repo: string, hw: Hardware, model: string, file: string): string {
  return `https://raw.githubusercontent.com/${repo}/log/plot/${hw}/${model}/online/${file}`;
}
