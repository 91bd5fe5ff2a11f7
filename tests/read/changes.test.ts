/**
 * Issue 16 item 6: "Changes since the previous night" counts every transition, including to and from
 * unknown, not run and no row at all, on the real rows of the DEV nights (oracle DB).
 */
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kyselyFor, openReader } from '../../database/connection';
import { changesSincePrevious } from '../../read/history';
import { tempDir } from '../helpers/fixtures';
import { buildOracleDb } from '../helpers/oracle-db';

const tmp = tempDir('ci-dash-changes-');
const dbPath = path.join(tmp.dir, 'ci_dashboard.db');

beforeAll(() => buildOracleDb(dbPath));
afterAll(() => tmp.cleanup());

/** State of every task and sanity model of the run of (hw, date, machine): the pages' word, from the task_states view. */
function statusesOf(hw: string, date: string, machine: string): Map<string, string> {
  const db = new BetterSqlite3(dbPath, { readonly: true });
  try {
    const rows = db
      .prepare('SELECT ts.task_name AS name, ts.state FROM task_states ts JOIN test_runs r ON r.id = ts.test_run_id WHERE r.hardware = ? AND r.run_date = ? AND r.machine_name = ?')
      .all(hw, date, machine) as Array<{ name: string; state: string }>;
    return new Map(rows.map((r) => [r.name, r.state] as const));
  } finally {
    db.close();
  }
}

describe('changes since the previous night', () => {
  it('lists every task whose status differs, none twice, and only those', async () => {
    const reader = openReader(dbPath, 'file');
    const db = kyselyFor(reader);
    try {
      const nights = reader.prepare("SELECT DISTINCT run_date, machine_name FROM test_runs WHERE hardware = 'mi30x' ORDER BY run_date").all() as Array<{ run_date: string; machine_name: string }>;
      let transitionsToUnknownSeen = 0;
      for (let i = 1; i < nights.length; i++) {
        const { run_date: date, machine_name: machine } = nights[i];
        const ch = await changesSincePrevious(db, 'mi30x', date, machine);
        if (ch.previous === null) continue;
        const now = statusesOf('mi30x', date, machine);
        const before = statusesOf('mi30x', ch.previous, machine);
        const names = new Set([...now.keys(), ...before.keys()]);
        const expected = [...names].filter((n) => (now.get(n) ?? 'no run') !== (before.get(n) ?? 'no run')).sort();
        const listed = [...ch.new_failures, ...ch.recoveries, ...ch.other_changes.map((c) => c.task)].sort();
        expect(listed, `${date} vs ${ch.previous}`).toEqual(expected);
        for (const c of ch.other_changes) {
          expect(c.from).toBe(before.get(c.task) ?? 'no run');
          expect(c.to).toBe(now.get(c.task) ?? 'no run');
          if ((c.from === 'pass' || c.from === 'fail') && (c.to === 'unknown' || c.to === 'not run')) transitionsToUnknownSeen++;
        }
      }
      // The DEV nights do hold pass/fail -> unknown / not run transitions, which the page used to call "No status changes".
      expect(transitionsToUnknownSeen).toBeGreaterThan(0);
    } finally {
      await db.destroy();
    }
  });
});
