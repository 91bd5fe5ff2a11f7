/**
 * The security boundary itself, without the first-keyword messages in front: a statement reaches
 * the read-only, query_only connection and only `stmt.readonly && stmt.reader` decides.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type BetterSqlite3 from 'better-sqlite3';
import { ConnectionHolder, QueryRejected, executeQuery, openExplorerConnection } from '../../dashboard/explorer/execute';
import { openWriter } from '../../database/connection';
import type { QueryJob } from '../../dashboard/explorer/protocol';
import { databaseDigest, oracleDbInTemp } from './helpers';

let env: ReturnType<typeof oracleDbInTemp>;
let db: BetterSqlite3.Database;
let before: string;

beforeAll(() => {
  env = oracleDbInTemp();
  before = databaseDigest(env.dbPath);
  db = openExplorerConnection(env.dbPath);
});
afterAll(() => {
  db.close();
  env.cleanup();
});

function job(sql: string, extra: Partial<QueryJob> = {}): QueryJob {
  return { dbPath: env.dbPath, sql, params: {}, rowLimit: 1000, cellLimit: 10_000, maxResponseBytes: 5 * 1024 * 1024, ...extra };
}

describe('executeQuery on the dedicated connection', () => {
  const refused: Array<[string, RegExp]> = [
    ["ATTACH DATABASE 'ATTACHED' AS other", /return rows/],
    ['DETACH DATABASE main', /return rows/],
    ['PRAGMA writable_schema = 1', /return rows/],
    ['PRAGMA journal_mode = DELETE', /modify/],
    ['VACUUM', /modify/],
    ["VACUUM INTO 'VACUUMED'", /modify/],
    ['WITH x AS (SELECT 1) INSERT INTO test_runs (run_date, hardware) SELECT 1, 2', /modify/],
    ['WITH x AS (SELECT 1) DELETE FROM test_runs', /modify/],
    ['CREATE TEMP TABLE scratch (a)', /modify/],
    ['BEGIN IMMEDIATE', /modify/],
    ['BEGIN', /return rows/],
    ["SELECT load_extension('x')", /not authorized/],
    ['SELECT 1; DELETE FROM test_runs', /Only one statement/],
  ];
  for (const [sql, message] of refused) {
    it(`refuses ${sql}`, () => {
      const attachTarget = path.join(env.dir, 'ATTACHED');
      const vacuumTarget = path.join(env.dir, 'VACUUMED');
      const text = sql.replace("'ATTACHED'", `'${attachTarget}'`).replace("'VACUUMED'", `'${vacuumTarget}'`);
      expect(() => executeQuery(db, job(text))).toThrow(QueryRejected);
      expect(() => executeQuery(db, job(text))).toThrow(message);
      expect(fs.existsSync(attachTarget)).toBe(false);
      expect(fs.existsSync(vacuumTarget)).toBe(false);
      expect(databaseDigest(env.dbPath)).toBe(before);
    });
  }

  it('binds named parameters and caps rows with an N+1 fetch', () => {
    const r = executeQuery(db, job('SELECT run_date FROM test_runs WHERE hardware = :hw ORDER BY run_date LIMIT 3', { params: { hw: 'mi35x' } })).result;
    expect(r.rows).toEqual([['20250916'], ['20251004'], ['20251012']]);
    const exact = executeQuery(db, job('SELECT id FROM test_runs', { rowLimit: 20 })).result;
    expect([exact.row_count, exact.truncated]).toEqual([20, false]);
    const capped = executeQuery(db, job('SELECT id FROM test_runs', { rowLimit: 19 })).result;
    expect([capped.row_count, capped.truncated]).toEqual([19, true]);
  });

  it('stops adding rows before the 5 MB response cap and says so', () => {
    const sql = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x, printf('%.*c', 9000, 'z') FROM c LIMIT 1000";
    const { result: r, json } = executeQuery(db, job(sql));
    expect(r.truncated).toBe(true);
    expect(r.row_count).toBeGreaterThan(500);
    expect(r.row_count).toBeLessThan(1000);
    expect(Buffer.byteLength(json)).toBeLessThanOrEqual(5 * 1024 * 1024);
  });

  it('gives the payload as JSON text equal to JSON.stringify of the result (the server forwards it unparsed)', () => {
    const sql = "SELECT id, run_date, NULL AS n, 1.5 AS f, 'a\"b' AS q, x'00' AS b, 9007199254740993 AS big FROM test_runs LIMIT 5";
    for (const extra of [{}, { rowLimit: 2 }, { rowLimit: 0 }]) {
      const { result, json } = executeQuery(db, job(sql, extra));
      expect(json).toBe(JSON.stringify(result));
    }
  });

  it('cuts long cells with a marker and describes blobs', () => {
    const r = executeQuery(db, job("SELECT printf('%.*c', 25, 'x') AS long_text, x'00ff' AS b", { cellLimit: 10 })).result;
    expect(r.rows[0][0]).toBe('xxxxxxxxxx… [cut: 15 more characters]');
    expect(r.rows[0][1]).toBe('[BLOB 2 bytes]');
  });
});

describe('ConnectionHolder', () => {
  it('reopens when sync renames a new DB file over the old one', () => {
    const holder = new ConnectionHolder();
    const countRuns = () => executeQuery(holder.get(env.dbPath), job('SELECT COUNT(*) FROM test_runs')).result.rows[0][0];
    expect(countRuns()).toBe(20);
    const replacement = path.join(env.dir, 'incoming.db');
    const w = openWriter(replacement);
    w.pragma('wal_checkpoint(TRUNCATE)');
    w.close();
    const original = path.join(env.dir, 'original.db');
    fs.copyFileSync(env.dbPath, original);
    fs.renameSync(replacement, env.dbPath);
    try {
      expect(countRuns()).toBe(0);
    } finally {
      fs.renameSync(original, env.dbPath);
    }
    expect(countRuns()).toBe(20);
    expect(() => holder.get(path.join(env.dir, 'missing.db'))).toThrow('Database file not found');
  });
});
