/**
 * machine_name when the logs name no machine (issue 16, item 3). After the logs, `--machine-name`
 * and the night's own existing row (ingest/night.ts): the one machine that ran the hardware on the
 * nearest nights with a known name (in the DB, which holds this ingest's nights too), then
 * MACHINE_NAME, then the host name only for tonight's night. A host-named run on an old night split
 * the history into a fake machine, so that is never done.
 */
import os from 'node:os';
import type { Settings } from '../config';
import { dayNumber, todayIn } from '../core/dates';
import type { Hardware } from '../core/hardware';
import type { Db } from '../database/connection';
import type { IngestIssue } from '../parsers/types';
import type { MachineSource } from './night';

/** Sources whose name is evidence for other nights; a guess (inferred, setting, host) is not. */
const KNOWN_SOURCES: readonly MachineSource[] = ['log', 'log-extended', 'override', 'existing'];

/** Machine sources that mark a row as a stand-in, replaced when the night's logs name its machine. */
export const PLACEHOLDER_SOURCES: readonly MachineSource[] = ['inferred', 'setting', 'host'];

export function isKnownMachineSource(source: string | null): boolean {
  return (KNOWN_SOURCES as readonly string[]).includes(source ?? '');
}

/**
 * The one machine of the nearest nights (either side, the night itself included) with a known
 * name, or null when there is none or the nearest nights name several. Rows without run_meta (a
 * pulled DB, `--no-extensions`) count as known unless they carry this host's name.
 */
export async function inferMachine(db: Db, date: string, hw: Hardware): Promise<string | null> {
  const rows = await db
    .selectFrom('test_runs as r')
    .leftJoin('run_meta as m', 'm.test_run_id', 'r.id')
    .select(['r.run_date', 'r.machine_name', 'm.machine_source', 'm.test_run_id'])
    .where('r.hardware', '=', hw)
    .where('r.machine_name', 'is not', null)
    .execute();
  const host = os.hostname();
  const known = rows.filter((r) => (r.test_run_id === null ? r.machine_name !== host : isKnownMachineSource(r.machine_source)));
  const target = dayNumber(date);
  let nearest = Infinity;
  for (const r of known) nearest = Math.min(nearest, Math.abs(dayNumber(r.run_date) - target));
  const names = new Set(known.filter((r) => Math.abs(dayNumber(r.run_date) - target) === nearest).map((r) => r.machine_name as string));
  return names.size === 1 ? [...names][0] : null;
}

export interface MachineFallback {
  name: string;
  source: MachineSource;
  issue: IngestIssue;
}

/** The rest of the fallback order; null when no name may be used (the caller says what to pass). */
export async function fallbackMachine(db: Db, date: string, hw: Hardware, settings: Settings, now: Date = new Date()): Promise<MachineFallback | null> {
  const issue = (severity: IngestIssue['severity'], code: string, message: string): IngestIssue => ({ run_date: date, hardware: hw, severity, code, rel_path: null, message });
  const inferred = await inferMachine(db, date, hw);
  if (inferred) {
    return { name: inferred, source: 'inferred', issue: issue('info', 'machine_inferred', `no machine name in the logs; inferred ${inferred}, the machine of the nearest ${hw} nights`) };
  }
  if (settings.MACHINE_NAME) {
    return { name: settings.MACHINE_NAME, source: 'setting', issue: issue('warn', 'machine_from_setting', `no machine name in the logs or on nearby nights; using MACHINE_NAME ${settings.MACHINE_NAME}`) };
  }
  let today: string | null = null;
  try {
    today = todayIn(settings.CI_TIMEZONE, now);
  } catch {
    today = null;
  }
  if (date === today) {
    const host = os.hostname();
    return { name: host, source: 'host', issue: issue('warn', 'hostname_fallback', `no machine name in the logs, on nearby nights or in MACHINE_NAME; using this host's name ${host} for tonight's run`) };
  }
  return null;
}

/** The error of a night whose machine cannot be named. */
export function unnamedMachineMessage(date: string, hw: Hardware): string {
  return `no machine name in the logs of ${date} (${hw}) and none on nearby ${hw} nights; pass --machine-name or set MACHINE_NAME`;
}
