/** The explorer API over a real server and a real DB: adversarial queries, limits, exports, canned queries. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../helpers/server';
import { explorerPool } from '../../dashboard/routes/explorer';
import { databaseDigest, getUrl, oracleDbInTemp, postJson, postJsonFrom } from './helpers';

let env: ReturnType<typeof oracleDbInTemp>;
let server: RunningServer;
let digestBefore: string;
const query = (body: unknown) => postJson(`${server.url}/api/database/query`, body);

beforeAll(async () => {
  env = oracleDbInTemp();
  digestBefore = databaseDigest(env.dbPath);
  // A 1 MB response cap keeps the size test cheap; the rule is the same as with the 5 MB default.
  // The wait bound is lifted so that the per-client queue test below measures the client limit even on
  // a loaded machine, where four runaway queries with child restarts can take longer than the 5 s
  // default (the bound itself is tested in queue.test.ts).
  server = await startServer({ dbPath: env.dbPath, settings: { EXPLORER_MAX_RESPONSE_BYTES: 1024 * 1024, EXPLORER_QUEUE_WAIT_MS: 60_000 } });
  // Warm the pool so that timings below measure queries, not child start-up.
  expect((await query({ query: 'SELECT 1' })).status).toBe(200);
});
afterAll(async () => {
  await server?.close();
  env?.cleanup();
});

describe('adversarial queries: a clear 4xx and the DB unchanged', () => {
  const attachFile = () => path.join(env.dir, 'attached-new.db');
  const vacuumFile = () => path.join(env.dir, 'vacuumed-copy.db');
  const cases: Array<[string, () => string, RegExp]> = [
    ['INSERT', () => "INSERT INTO test_runs (run_date, hardware) VALUES ('20990101', 'mi30x')", /found INSERT/],
    ['UPDATE', () => "UPDATE test_runs SET overall_status = 'passed'", /found UPDATE/],
    ['DELETE', () => 'DELETE FROM benchmark_results', /found DELETE/],
    ['REPLACE INTO', () => "REPLACE INTO test_runs (id, run_date, hardware) VALUES (1, '20990101', 'mi30x')", /found REPLACE/],
    ['CREATE', () => 'CREATE TABLE evil (a)', /found CREATE/],
    ['DROP', () => 'DROP TABLE test_runs', /found DROP/],
    ['ALTER', () => 'ALTER TABLE test_runs ADD COLUMN evil TEXT', /found ALTER/],
    ['chained statements', () => 'SELECT 1; DELETE FROM test_runs', /Only one statement/],
    ['chained after a comment holding ;', () => 'SELECT 1 /* ; */ ; DROP TABLE test_runs', /Only one statement/],
    ['write behind a block comment', () => '/* SELECT */ DELETE FROM test_runs', /found DELETE/],
    ['write behind a line comment', () => '-- SELECT * FROM test_runs\nDROP TABLE test_runs', /found DROP/],
    ['write inside a CTE statement', () => "WITH x AS (SELECT 1) INSERT INTO test_runs (run_date, hardware) SELECT '20990101', 'mi30x' FROM x", /modify the database/],
    ['delete inside a CTE statement', () => 'WITH x AS (SELECT 1) DELETE FROM test_runs', /modify the database/],
    ['ATTACH a new file', () => `ATTACH DATABASE '${attachFile()}' AS evil`, /found ATTACH/],
    ['DETACH', () => 'DETACH DATABASE main', /found DETACH/],
    ['PRAGMA writable_schema', () => 'PRAGMA writable_schema = 1', /found PRAGMA/],
    ['PRAGMA journal_mode', () => 'PRAGMA journal_mode = DELETE', /found PRAGMA/],
    ['VACUUM', () => 'VACUUM', /found VACUUM/],
    ['VACUUM INTO', () => `VACUUM INTO '${vacuumFile()}'`, /found VACUUM/],
    ['temp objects', () => 'CREATE TEMP TABLE scratch AS SELECT * FROM test_runs', /found CREATE/],
    ['load_extension', () => "SELECT load_extension('x')", /not authorized/],
    ['empty query', () => '   ', /No query provided/],
    ['only a comment', () => '-- nothing here', /No query provided/],
    ['a 1 MB query', () => `SELECT '${'a'.repeat(1024 * 1024)}'`, /too long/],
    ['unicode identifier of a missing table', () => 'SELECT * FROM "テーブル_ü"', /no such table: テーブル_ü/],
    // Not SQL at all: SQLite's syntax error, not a read-only refusal (issue 16.8).
    ['a misspelt SELECT', () => 'SELEC 1', /^near "SELEC": syntax error$/],
    ['a misspelt DELETE', () => 'DELET FROM test_runs', /^near "DELET": syntax error$/],
    ['text that is not a statement', () => '(SELECT 1)', /^near "\(": syntax error$/],
    ['an ANALYZE that would write sqlite_stat1', () => 'ANALYZE', /found ANALYZE/],
    ['a transaction around a write', () => 'BEGIN; DELETE FROM test_runs; COMMIT', /found BEGIN/],
  ];
  for (const [name, sql, message] of cases) {
    it(name, async () => {
      const text = sql();
      const res = await query({ query: text });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(message);
      // The SQL is echoed so the page can keep it (a huge text only in part); a blank body has none.
      if (text.trim() !== '') expect(text.startsWith(res.body.sql.replace(/…$/, ''))).toBe(true);
      expect(fs.existsSync(attachFile())).toBe(false);
      expect(fs.existsSync(vacuumFile())).toBe(false);
      expect(databaseDigest(env.dbPath)).toBe(digestBefore);
    });
  }

  it('answers malformed requests with the SPEC messages', async () => {
    const notJson = await postJson(`${server.url}/api/database/query`, null, { contentType: 'text/plain', text: 'SELECT 1' });
    expect([notJson.status, notJson.body]).toEqual([400, { error: 'Request body must be JSON' }]);
    const broken = await postJson(`${server.url}/api/database/query`, null, { contentType: 'application/json', text: '{"query": ' });
    expect([broken.status, broken.body]).toEqual([400, { error: 'Request body must be JSON' }]);
    expect(await query({})).toMatchObject({ status: 400, body: { error: 'No query provided' } });
    expect(await query({ query: '' })).toMatchObject({ status: 400, body: { error: 'No query provided' } });
    const syntax = await query({ query: 'SELECT FROM WHERE' });
    expect(syntax.status).toBe(400);
    expect(syntax.body).toEqual({ error: expect.stringMatching(/syntax error/), sql: 'SELECT FROM WHERE' });
    expect((await query({ query: 'SELECT :a', params: { a: { nested: 1 } } })).status).toBe(400);
    expect(databaseDigest(env.dbPath)).toBe(digestBefore);
  });
});

describe('allowed read queries', () => {
  it('runs SELECT with created_at, REPLACE(), pragma_table_info(), WITH … SELECT, VALUES and unicode names', async () => {
    const created = await query({ query: 'SELECT created_at, updated_at FROM test_runs ORDER BY id LIMIT 2' });
    expect(created.status).toBe(200);
    expect(created.body.columns).toEqual(['created_at', 'updated_at']);
    const replaced = await query({ query: "SELECT REPLACE(hardware, 'mi', 'MI') AS hw FROM test_runs ORDER BY id LIMIT 1" });
    expect(replaced.body.rows).toEqual([['MI30x']]);
    const pragma = await query({ query: "SELECT name FROM pragma_table_info('test_runs') WHERE pk = 1" });
    expect(pragma.body.rows).toEqual([['id']]);
    const cte = await query({ query: "WITH x AS (SELECT hardware, COUNT(*) AS n FROM test_runs GROUP BY hardware) SELECT * FROM x ORDER BY hardware" });
    expect(cte.body.rows).toEqual([['mi30x', 10], ['mi35x', 10]]);
    const literal = await query({ query: "VALUES ('DROP TABLE test_runs; --', NULL, 1.5)" });
    expect(literal.body.rows).toEqual([['DROP TABLE test_runs; --', null, 1.5]]);
    const unicode = await query({ query: 'SELECT 1 AS "Größe_名前"' });
    expect(unicode.body).toMatchObject({ columns: ['Größe_名前'], rows: [[1]], row_count: 1, truncated: false });
    expect(typeof unicode.body.execution_time_ms).toBe('number');
    expect(databaseDigest(env.dbPath)).toBe(digestBefore);
  });

  it('caps rows at 1000 with truncated:true, cuts huge cells and keeps responses under the byte cap', async () => {
    const counter = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)';
    const endless = await query({ query: `${counter} SELECT x FROM c` });
    expect(endless.status).toBe(200);
    expect([endless.body.row_count, endless.body.rows.length, endless.body.truncated]).toEqual([1000, 1000, true]);
    expect(endless.body.rows[999]).toEqual([1000]);
    const exact = await query({ query: `${counter} SELECT x FROM c LIMIT 1000` });
    expect([exact.body.row_count, exact.body.truncated]).toEqual([1000, false]);
    const wide = await query({ query: `${counter} SELECT x, printf('%.*c', 20000, 'y') AS big FROM c LIMIT 3` });
    expect(wide.status).toBe(200);
    expect(wide.body.rows[0][1]).toMatch(/^y{10000}… \[cut: 10000 more characters\]$/);
    const heavy = await query({ query: `${counter} SELECT x, printf('%.*c', 9000, 'z') AS big FROM c LIMIT 300` });
    expect(heavy.body.truncated).toBe(true);
    expect(heavy.body.row_count).toBeLessThan(300);
    expect(heavy.body.row_count).toBeGreaterThan(100);
    expect(Buffer.byteLength(heavy.text)).toBeLessThanOrEqual(1024 * 1024);
  });

  it('exports CSV (RFC 4180) and JSON (typed objects) through the GET permalink form', async () => {
    const sql = "SELECT 'a,b' AS comma, 'say \"hi\"' AS quote, 'l1' || char(10) || 'l2' AS newline, NULL AS empty_cell, 42 AS n, 0.5 AS f";
    const csv = await getUrl(`${server.url}/api/database/query?${new URLSearchParams({ sql, format: 'csv' })}`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="?query_results\.csv"?$/);
    expect(csv.text).toBe('comma,quote,newline,empty_cell,n,f\r\n"a,b","say ""hi""","l1\nl2",,42,0.5\r\n');
    const json = await getUrl(`${server.url}/api/database/query?${new URLSearchParams({ sql, format: 'json' })}`);
    expect(json.headers.get('content-disposition')).toMatch(/query_results.json/);
    expect(json.body).toEqual([{ comma: 'a,b', quote: 'say "hi"', newline: 'l1\nl2', empty_cell: null, n: 42, f: 0.5 }]);
    const plain = await getUrl(`${server.url}/api/database/query?${new URLSearchParams({ sql: 'SELECT :x AS x', params: '{"x":7}' })}`);
    expect(plain.body).toMatchObject({ columns: ['x'], rows: [[7]] });
    const refused = await getUrl(`${server.url}/api/database/query?${new URLSearchParams({ sql: 'DELETE FROM test_runs', format: 'csv' })}`);
    expect(refused.status).toBe(400);
    expect(refused.body.sql).toBe('DELETE FROM test_runs');
  });
});

describe('canned queries', () => {
  it('lists them and runs them by name with parameters through the same path', async () => {
    const list = await getUrl(`${server.url}/api/database/queries`);
    expect(list.status).toBe(200);
    const names = list.body.queries.map((q: { name: string }) => q.name);
    expect(names).toContain('recent-runs');
    for (const name of names) {
      const res = await query({ name });
      expect(res.status, name).toBe(200);
    }
    const bench = await query({ name: 'benchmarks-for-hardware', params: { hw: 'mi35x', limit: 5 } });
    expect(bench.body.row_count).toBe(5);
    expect(bench.body.rows[0][0]).toBe('20251219');
    const recent = await query({ name: 'recent-runs' });
    expect(recent.body.row_count).toBe(10);
    const model = await query({ name: 'gsm8k-by-model-over-time', params: { hw: 'mi35x', model: 'GPT-OSS-120B' } });
    expect(model.body.row_count).toBeGreaterThan(0);
    expect(new Set(model.body.rows.map((r: unknown[]) => r[2]))).toEqual(new Set(['GPT-OSS-120B']));
    const failures = await query({ name: 'failures-last-nights', params: { nights: 7 } });
    expect(failures.body.columns).toEqual(['hardware', 'benchmark_name', 'nights_failed', 'first_failure', 'last_failure']);
    expect(Math.max(...failures.body.rows.map((r: number[]) => r[2]))).toBeLessThanOrEqual(7);
    // The same SQL sent as ad-hoc text with the same params gives the same answer.
    const sqlText = list.body.queries.find((q: { name: string }) => q.name === 'benchmarks-for-hardware').sql;
    const adhoc = await query({ query: sqlText, params: { hw: 'mi35x', limit: 5 } });
    expect(adhoc.body.rows).toEqual(bench.body.rows);
    expect(await query({ name: 'benchmarks-for-hardware', params: { hw: 'mi99x' } })).toMatchObject({ status: 400, body: { error: expect.stringMatching(/hw must be one of/) } });
    expect((await query({ name: 'no-such-query' })).status).toBe(400);
  });
});

describe('time limit', () => {
  it('kills a runaway recursive CTE at the limit while other requests keep answering fast', async () => {
    const pool = explorerPool(server.ctx)!;
    const runaway = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT max(x) FROM c';
    // Steady state: both children started (an earlier timeout may have left a replacement starting).
    await expect.poll(() => pool.readyCount, { timeout: 30_000 }).toBe(2);
    const pidsBefore = pool.childPids;
    // timeout_ms may only lower the limit: asking for a minute still gets the 2000 ms default.
    const pending = query({ query: runaway, timeout_ms: 60_000 });
    // Another client gets the second child right away; the same client waits for its own query (one per client).
    const otherClient = postJsonFrom('127.0.0.2', `${server.url}/api/database/query`, { query: 'SELECT COUNT(*) FROM test_runs' });
    const sameClient = query({ query: 'SELECT 3' }).then((r) => ({ ...r, at: Date.now() }));
    const latencies: number[] = [];
    const started = Date.now();
    while (Date.now() - started < 1800) {
      const stats = await getUrl(`${server.url}/api/database/stats`);
      expect(stats.status).toBe(200);
      latencies.push(stats.ms);
      await new Promise((r) => setTimeout(r, 50));
    }
    const res = await pending;
    const runawayDone = Date.now();
    expect(res.status).toBe(408);
    expect(res.body).toEqual({ error: 'Query exceeded the 2000 ms limit', sql: runaway });
    // Generous margins for a loaded 2-core machine.
    expect(res.ms).toBeGreaterThanOrEqual(1900);
    expect(res.ms).toBeLessThan(2000 + 2500);
    expect(latencies.length).toBeGreaterThan(3);
    expect(Math.max(...latencies)).toBeLessThan(1000);
    const other = await otherClient;
    expect(other).toMatchObject({ status: 200, body: { rows: [[20]] } });
    expect(other.ms).toBeLessThan(1500);
    const same = await sameClient;
    expect(same.body.rows).toEqual([[3]]);
    expect(same.at).toBeGreaterThanOrEqual(runawayDone - 50);
    // The killed child is gone and replaced; the next query works.
    const killed = pidsBefore.filter((pid) => !pool.childPids.includes(pid));
    expect(killed.length).toBe(1);
    await waitUntilDead([killed[0]]);
    expect((await query({ query: 'SELECT 2' })).body.rows).toEqual([[2]]);
    expect(pool.childCount).toBeLessThanOrEqual(2);
    // A lower limit per request is honoured.
    const short = await query({ query: runaway, timeout_ms: 300 });
    expect(short.body.error).toBe('Query exceeded the 300 ms limit');
    expect(databaseDigest(env.dbPath)).toBe(digestBefore);
  });
});

describe('one running query per client', () => {
  it('queues a client\'s queries one after the other and refuses a fifth waiting one', async () => {
    const runaway = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT max(x) FROM c';
    const answers = await Promise.all([1, 2, 3, 4, 5].map(() => query({ query: runaway, timeout_ms: 300 })));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([408, 408, 408, 408, 503]);
    expect(answers.find((a) => a.status === 503)!.body).toEqual({ error: 'The SQL explorer is busy; try again shortly', sql: runaway });
    // Served one at a time: the last 408 came after about four limits.
    expect(Math.max(...answers.filter((a) => a.status === 408).map((a) => a.ms))).toBeGreaterThanOrEqual(4 * 300);
  });
});

describe('overview, schema and stats', () => {
  it('serves the overview machine-aware (SPEC §7.4)', async () => {
    const o = await getUrl(`${server.url}/api/database/overview?hardware=mi30x&range=30`);
    expect(o.status).toBe(200);
    expect(Object.keys(o.body).sort()).toEqual(['available_dates', 'benchmark_summary', 'benchmarks_range', 'daily_runs', 'date_range', 'hardware', 'machine_names', 'selected_date', 'selected_machine', 'selected_run', 'selected_test', 'summary', 'test_names'].sort());
    expect(o.body.selected_date).toBe('20251217');
    expect(o.body.available_dates[0]).toBe('20251217');
    expect(o.body.available_dates.filter((d: string) => d === '20251213')).toHaveLength(1);
    expect(o.body.date_range).toEqual({ start: '20251118', end: '20251217', days: 30 });
    expect(o.body.machine_names).toEqual(['dell300x-pla-t10-23', 'dell300x-pla-t12-38']);
    expect(o.body.selected_machine).toBe('dell300x-pla-t10-23');
    expect(new Set(o.body.daily_runs.map((r: { machine_name: string }) => r.machine_name))).toEqual(new Set(['dell300x-pla-t10-23']));
    expect(o.body.test_names[0]).toBe('all');

    const other = await getUrl(`${server.url}/api/database/overview?hardware=mi30x&machine=dell300x-pla-t12-38&date=2025-12-13`);
    expect(other.status).toBe(200);
    expect(other.body.selected_run.machine_name).toBe('dell300x-pla-t12-38');
    expect(other.body.daily_runs.map((r: { machine_name: string }) => r.machine_name)).toEqual(['dell300x-pla-t12-38']);
    expect(new Set(other.body.benchmarks_range.map((r: { machine_name: string }) => r.machine_name))).toEqual(new Set(['dell300x-pla-t12-38']));
    // Thresholds: stored ones win, the catalogue's fill in for rows without extension data.
    const mi35x = await getUrl(`${server.url}/api/database/overview?hardware=mi35x`);
    expect(mi35x.body.selected_run.sanity_results.find((m: { model_name: string }) => m.model_name === 'GPT-OSS-120B')).toEqual({ model_name: 'GPT-OSS-120B', status: 'pass', state: 'pass', accuracy: 85.2, threshold: 82 });
    expect(mi35x.body.selected_run.benchmark_results.find((b: { benchmark_name: string }) => b.benchmark_name === 'DeepSeek Online Benchmark')).toMatchObject({ group: 'Performance Benchmarks', gsm8k_accuracy: 94.1, gsm8k_threshold: 93 });
    const r = other.body.selected_run;
    expect(r.pass_rate).toBe(r.passed_tasks + r.failed_tasks === 0 ? null : Math.round((r.passed_tasks / (r.passed_tasks + r.failed_tasks)) * 1000) / 10);

    const missing = await getUrl(`${server.url}/api/database/overview?hardware=mi30x&machine=dell300x-pla-t12-38&date=20251217`);
    expect([missing.status, missing.body]).toEqual([404, { error: 'No data found for selected date' }]);
    const all = await getUrl(`${server.url}/api/database/overview?hardware=mi30x&machine=all&date=20251213&test=Unit%20Tests`);
    expect(all.body.daily_runs.filter((d: { run_date: string }) => d.run_date === '20251213')).toHaveLength(2);
    expect(new Set(all.body.benchmarks_range.map((b: { benchmark_name: string }) => b.benchmark_name))).toEqual(new Set(['Unit Tests']));
    expect((await getUrl(`${server.url}/api/database/overview?hardware=mi99x`)).body).toEqual({ error: 'Invalid hardware type' });
    expect((await getUrl(`${server.url}/api/database/overview?hardware=mi30x&machine=nope`)).status).toBe(400);
    expect((await getUrl(`${server.url}/api/database/overview?hardware=mi30x&range=91`)).status).toBe(400);
  });

  it('describes the schema and counts the rows', async () => {
    const schema = await getUrl(`${server.url}/api/database/schema`);
    expect(schema.body.tables.test_runs).toContain('id (INTEGER) PRIMARY KEY');
    expect(schema.body.tables.test_runs).toContain('run_date (TEXT) NOT NULL');
    // The one view: task_states, the pages' word per task for explorer queries (issue 16.5).
    expect(Object.keys(schema.body.views)).toEqual(['task_states']);
    expect(schema.body.views.task_states.map((c: string) => c.split(' ')[0])).toEqual(['test_run_id', 'task_name', 'status', 'state']);
    const stats = await getUrl(`${server.url}/api/database/stats`);
    expect(stats.body.stats).toMatchObject({ test_runs: 20, benchmark_results: 200, sanity_check_results: 38, log_files: 80, plot_files: 60, unique_dates: 10, hardware_types: 2, last_ingest: null });
    expect(stats.body.stats.database_size_kb).toBeGreaterThan(0);
  });
});

describe('lifecycle', () => {
  it('kills its query children when the server closes', async () => {
    const second = await startServer({ dbPath: env.dbPath });
    expect((await postJson(`${second.url}/api/database/query`, { query: 'SELECT 1' })).status).toBe(200);
    const pids = explorerPool(second.ctx)!.childPids;
    expect(pids.length).toBeGreaterThan(0);
    await second.close();
    await waitUntilDead(pids);
  });
});

/** SIGKILL is immediate but the exit is reaped asynchronously: poll briefly, then insist. */
async function waitUntilDead(pids: number[]): Promise<void> {
  const deadline = Date.now() + 3000;
  while (pids.some((pid) => alive(pid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(pids.filter((pid) => alive(pid))).toEqual([]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
