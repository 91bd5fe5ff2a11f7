import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildOracleDb } from '../helpers/oracle-db';
import { checkDatabase, openReader, openWriter } from '../../database/connection';
import { info } from '../../sync/info';
import { pull } from '../../sync/pull';
import { push } from '../../sync/push';
import { readSyncState } from '../../sync/sidecar';
import { countIn, daysAgo, digestOf, git, machine, remoteDbCopy, runsIn, workspace, writeRuns } from './helpers';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});
describe('sync push → pull', () => {
  it('moves every row of a real DB to another machine through the branch', async () => {
    const { root, remote } = workspace(cleanups);
    const ci = machine(root, 'dell300x-pla-t10-23', remote, { HARDWARE_TYPE: 'mi30x' });
    const web = machine(root, 'webhost', remote);
    const runs = buildOracleDb(ci.dbPath);

    const pushed = await push(ci.options());
    expect(pushed.status).toBe('pushed');
    const bare = remote.replace('file://', '');
    expect(git(bare, 'log', '-1', '--format=%an <%ae>|%s', 'log')).toMatch(
      /^ci-dashboard-bot <ci-dashboard-bot@users\.noreply\.github\.com>\|Update dashboard database \(mi30x@dell300x-pla-t10-23, \d{4}-\d\d-\d\d \d\d:\d\d UTC\)$/,
    );

    const pulled = await pull(web.options());
    expect(pulled.status).toBe('updated');
    expect(runsIn(web.dbPath)).toHaveLength(runs);
    expect(runsIn(web.dbPath)).toEqual(runsIn(ci.dbPath));
    for (const t of ['benchmark_results', 'sanity_check_results', 'log_files', 'plot_files']) expect(countIn(web.dbPath, t)).toBe(countIn(ci.dbPath, t));
    expect(digestOf(web.dbPath)).toBe(digestOf(ci.dbPath));
    expect(fs.existsSync(`${web.dbPath}-wal`)).toBe(false);

    // Work clone is sparse and partial: only the DB folder is checked out, logs stay remote.
    expect(fs.existsSync(path.join(web.settings.DATA_WORK_DIR, 'cron_log'))).toBe(false);
    expect(git(web.settings.DATA_WORK_DIR, 'config', 'remote.origin.partialclonefilter')).toBe('blob:none');

    // Second pull short-circuits on the blob id; a push without changes is a no-op.
    expect((await pull(web.options())).status).toBe('up-to-date');
    const headBefore = git(bare, 'rev-parse', 'log');
    expect((await push(ci.options())).status).toBe('no-changes');
    expect(git(bare, 'rev-parse', 'log')).toBe(headBefore);

    // The web host pushing what it just pulled sends nothing.
    const webAsCi = machine(root, 'webhost', remote, { HARDWARE_TYPE: 'mi35x' });
    expect((await push(webAsCi.options())).status).toBe('no-changes');
    expect(git(bare, 'rev-parse', 'log')).toBe(headBefore);

    const webInfo = await info(web.options());
    expect(webInfo.verdict).toBe('in sync');
    expect(webInfo.local.row_counts.test_runs).toBe(runs);
    expect(webInfo.remote?.commit).toBe(headBefore);
  });

  it('two machines push in turn without pulling: the remote keeps both machines\' runs', async () => {
    const { root, remote } = workspace(cleanups);
    const a = machine(root, 'dell300x-pla-t10-23', remote, { HARDWARE_TYPE: 'mi30x' });
    const b = machine(root, 'smci355-ccs-aus-m12-33', remote, { HARDWARE_TYPE: 'mi35x' });
    writeRuns(a.dbPath, [{ date: daysAgo(2), hw: 'mi30x', machine: 'dell300x-pla-t10-23' }, { date: daysAgo(1), hw: 'mi30x', machine: 'dell300x-pla-t10-23' }]);
    writeRuns(b.dbPath, [{ date: daysAgo(1), hw: 'mi35x', machine: 'smci355-ccs-aus-m12-33', tasks: ['DeepSeek MTP', 'Unit Test', 'PD Test'] }]);

    const log = openWriter(a.dbPath);
    log.prepare(`INSERT INTO digest_log (run_date, hardware, channel, status) VALUES (?, 'mi30x', 'teams', 'sent')`).run(daysAgo(1));
    log.close();
    expect((await push(a.options())).merged).toBe(false);
    const second = await push(b.options());
    expect(second.status).toBe('pushed');
    expect(second.merged).toBe(true);

    // A ingests a new night and a re-run (failed now) without pulling, then pushes again.
    writeRuns(a.dbPath, [{ date: daysAgo(1), hw: 'mi30x', machine: 'dell300x-pla-t10-23', status: 'failed' }, { date: daysAgo(0), hw: 'mi30x', machine: 'dell300x-pla-t10-23' }]);
    const third = await push(a.options());
    expect(third.merged).toBe(true);
    expect(third.runs_replaced).toBe(3);

    const copy = remoteDbCopy(remote, path.join(root, 'remote-copy.db')) as string;
    const rows = runsIn(copy);
    expect(rows.map((r) => `${r.hardware}@${r.machine_name}:${r.run_date}:${r.overall_status}`)).toEqual(
      [
        `mi30x@dell300x-pla-t10-23:${daysAgo(2)}:passed`,
        `mi30x@dell300x-pla-t10-23:${daysAgo(1)}:failed`,
        `mi35x@smci355-ccs-aus-m12-33:${daysAgo(1)}:passed`,
        `mi30x@dell300x-pla-t10-23:${daysAgo(0)}:passed`,
      ].sort((x, y) => x.split(':')[1].localeCompare(y.split(':')[1]) || x.localeCompare(y)),
    );
    // Children follow their run: B's 3 tasks + A's 3 runs × 2 tasks, each with task_meta and metrics.
    expect(countIn(copy, 'benchmark_results')).toBe(9);
    expect(countIn(copy, 'task_meta')).toBe(9);
    expect(countIn(copy, 'benchmark_metrics')).toBe(9);
    expect(countIn(copy, 'run_meta')).toBe(4);
    // The merged file was installed locally on A.
    expect(digestOf(a.dbPath)).toBe(digestOf(copy));
    expect(readSyncState(a.dbPath).remote_commit).toBe(third.remote_commit);

    // B's next push merges A's changes in without touching them, even from a dirty work clone
    // (a push killed half-way leaves a staged file and an index.lock behind).
    const bClone = b.settings.DATA_WORK_DIR;
    fs.writeFileSync(path.join(bClone, 'database', 'ci_dashboard.db'), 'half-written');
    git(bClone, 'add', '--sparse', 'database/ci_dashboard.db');
    fs.writeFileSync(path.join(bClone, '.git', 'index.lock'), '');
    writeRuns(b.dbPath, [{ date: daysAgo(0), hw: 'mi35x', machine: 'smci355-ccs-aus-m12-33' }]);
    await push(b.options());
    const copy2 = remoteDbCopy(remote, path.join(root, 'remote-copy2.db')) as string;
    expect(runsIn(copy2)).toHaveLength(5);
    // Provenance and the digest send log travel with the merges: each ingest once, links intact.
    expect(countIn(copy2, 'ingest_runs')).toBe(4);
    expect(countIn(copy2, 'ingest_issues')).toBe(4);
    expect(countIn(copy2, 'digest_log')).toBe(1);
    const check = openReader(copy2);
    expect(check.prepare('SELECT COUNT(*) AS n FROM run_meta WHERE ingest_run_id IS NULL').get()).toEqual({ n: 0 });
    expect(checkDatabase(check)).toEqual([]);
    check.close();
    expect(runsIn(copy2).find((r) => r.run_date === daysAgo(1) && r.hardware === 'mi30x')?.overall_status).toBe('failed');
  });

  it('a push rejected because another machine pushed in between is retried from the fetch, never forced', async () => {
    const { root, remote } = workspace(cleanups);
    const a = machine(root, 'a', remote, { HARDWARE_TYPE: 'mi30x' });
    const b = machine(root, 'b', remote, { HARDWARE_TYPE: 'mi35x' });
    writeRuns(a.dbPath, [{ date: daysAgo(1), hw: 'mi30x', machine: 'a' }]);
    await push(a.options());
    writeRuns(b.dbPath, [{ date: daysAgo(1), hw: 'mi35x', machine: 'b' }]);

    // Someone else pushes between B's fetch and B's push (from B's progress callback).
    const other = path.join(root, 'other');
    git(root, 'clone', '--quiet', '--branch', 'log', remote, other);
    let interfere = 0;
    const racer = (line: string) => {
      if (!line.startsWith('Remote changed') || interfere === 0) return;
      interfere--;
      fs.appendFileSync(path.join(other, 'README.md'), `edit ${interfere}\n`);
      git(other, 'commit', '--quiet', '-am', `log upload ${interfere}`);
      git(other, 'push', '--quiet', 'origin', 'log');
    };

    interfere = 1;
    await expect(push(b.options({ retryDelaysMs: [], log: racer }))).rejects.toThrow(/push rejected 1 times/);
    interfere = 2;
    const result = await push(b.options({ retryDelaysMs: [10, 10], log: racer }));
    expect(result.status).toBe('pushed');
    expect(result.attempts).toBe(3);
    const bare = remote.replace('file://', '');
    // The other pushes survive (no force-push) and both machines' runs are in the DB.
    expect(git(bare, 'log', '--format=%s', 'log')).toMatch(/^Update dashboard database \(mi35x@b, [^)]+\)\nlog upload 0\nlog upload 1\nlog upload 0\n/);
    const copy = remoteDbCopy(remote, path.join(root, 'copy.db')) as string;
    expect(runsIn(copy).map((r) => `${r.hardware}@${r.machine_name}`)).toEqual(['mi30x@a', 'mi35x@b']);
  });

  it('a merge that would drop local runs (MACHINE_NAME does not match the ingested machine_name) is refused', async () => {
    const { root, remote } = workspace(cleanups);
    const a = machine(root, 'dell300x-pla-t10-23', remote, { HARDWARE_TYPE: 'mi30x' });
    const b = machine(root, 'misnamed', remote, { HARDWARE_TYPE: 'mi30x' });
    writeRuns(a.dbPath, [{ date: daysAgo(1), hw: 'mi30x', machine: 'dell300x-pla-t10-23' }]);
    await push(a.options());
    writeRuns(b.dbPath, [{ date: daysAgo(1), hw: 'mi30x', machine: 'dell300x-pla-t12-38' }]);
    const bare = remote.replace('file://', '');
    const head = git(bare, 'rev-parse', 'log');
    await expect(push(b.options())).rejects.toThrow(/runs of machine\(s\) dell300x-pla-t12-38 are not on the remote.*MACHINE_NAME/);
    expect(git(bare, 'rev-parse', 'log')).toBe(head);
    expect(runsIn(b.dbPath).map((r) => r.machine_name)).toEqual(['dell300x-pla-t12-38']);
  });

  it('alert triage done on the dashboard host survives pulls and does not block them', async () => {
    const { root, remote } = workspace(cleanups);
    const ci = machine(root, 'ci', remote, { HARDWARE_TYPE: 'mi30x' });
    const web = machine(root, 'web', remote);
    const addAlert = (dbPath: string, subject: string) => {
      const db = openWriter(dbPath);
      db.prepare(`INSERT INTO alert_events (kind, run_date, hardware, machine_name, subject, metric, load_value, current_value) VALUES ('perf_regression', ?, 'mi30x', 'ci', ?, 'ttft_ms', 16, 130)`).run(daysAgo(1), subject);
      db.close();
    };
    writeRuns(ci.dbPath, [{ date: daysAgo(1), hw: 'mi30x', machine: 'ci' }]);
    addAlert(ci.dbPath, 'Grok Online Benchmark');
    await push(ci.options());
    await pull(web.options());

    // Triage on the web host (what POST /api/alerts/:id/state writes).
    const w = openWriter(web.dbPath);
    w.prepare(`UPDATE alert_events SET state = 'expected', note = 'new kernel', updated_at = '2030-01-01 00:00:00'`).run();
    w.close();

    writeRuns(ci.dbPath, [{ date: daysAgo(0), hw: 'mi30x', machine: 'ci' }]);
    addAlert(ci.dbPath, 'DeepSeek Online Benchmark');
    await push(ci.options());
    expect((await pull(web.options())).status).toBe('updated');
    const db = openReader(web.dbPath);
    const alerts = db.prepare('SELECT subject, state, note FROM alert_events ORDER BY subject').all();
    db.close();
    expect(alerts).toEqual([
      { subject: 'DeepSeek Online Benchmark', state: 'new', note: null },
      { subject: 'Grok Online Benchmark', state: 'expected', note: 'new kernel' },
    ]);
    expect(runsIn(web.dbPath)).toHaveLength(2);
  });

  it('refuses to pull over unpushed local changes unless --force, and never loses them silently', async () => {
    const { root, remote } = workspace(cleanups);
    const a = machine(root, 'a', remote, { HARDWARE_TYPE: 'mi30x' });
    const b = machine(root, 'b', remote, { HARDWARE_TYPE: 'mi30x' });
    writeRuns(a.dbPath, [{ date: daysAgo(1), hw: 'mi30x', machine: 'a' }]);
    await push(a.options());
    await pull(b.options());
    writeRuns(a.dbPath, [{ date: daysAgo(0), hw: 'mi30x', machine: 'a' }]);
    await push(a.options());
    writeRuns(b.dbPath, [{ date: daysAgo(0), hw: 'mi30x', machine: 'b' }]);

    expect((await info(b.options())).verdict).toBe('diverged');
    await expect(pull(b.options())).rejects.toThrow(/never pushed.*sync push/);
    expect(runsIn(b.dbPath).map((r) => r.machine_name)).toEqual(['a', 'b']);

    const forced = await pull(b.options({ force: true, backup: true }));
    expect(forced.status).toBe('updated');
    expect(forced.backup && fs.existsSync(forced.backup)).toBe(true);
    expect(runsIn(forced.backup as string).map((r) => r.machine_name)).toEqual(['a', 'b']);
    expect(runsIn(b.dbPath).map((r) => r.machine_name)).toEqual(['a', 'a']);
  });
});
