/** Shared setup of the explorer tests: an oracle DB in a temp dir, a digest of all its rows, HTTP helpers. */
import crypto from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { buildOracleDb } from '../helpers/oracle-db';
import { tempDir } from '../helpers/fixtures';

export function oracleDbInTemp(): { dir: string; dbPath: string; cleanup: () => void } {
  const { dir, cleanup } = tempDir('ci-dash-explorer-');
  const dbPath = path.join(dir, 'ci_dashboard.db');
  buildOracleDb(dbPath);
  return { dir, dbPath, cleanup };
}

/** SHA-256 over the schema and every row of every table, read on a separate read-only connection. */
export function databaseDigest(dbPath: string): string {
  const db = new BetterSqlite3(dbPath, { readonly: true, fileMustExist: true });
  try {
    const hash = crypto.createHash('sha256');
    const objects = db.prepare("SELECT type, name, sql FROM sqlite_master ORDER BY type, name").all() as Array<{ type: string; name: string; sql: string | null }>;
    hash.update(JSON.stringify(objects));
    for (const o of objects.filter((x) => x.type === 'table')) {
      const rows = db.prepare(`SELECT * FROM "${o.name.replace(/"/g, '""')}" ORDER BY rowid`).raw(true).all();
      hash.update(o.name).update(JSON.stringify(rows));
    }
    hash.update(JSON.stringify(db.pragma('journal_mode')));
    return hash.digest('hex');
  } finally {
    db.close();
  }
}

export interface Answer {
  status: number;
  body: any;
  text: string;
  headers: Headers;
  ms: number;
}

export async function postJson(url: string, body: unknown, raw?: { contentType: string; text: string }): Promise<Answer> {
  const started = Date.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': raw ? raw.contentType : 'application/json' },
    body: raw ? raw.text : JSON.stringify(body),
  });
  return answer(res, started);
}

export async function getUrl(url: string): Promise<Answer> {
  const started = Date.now();
  return answer(await fetch(url), started);
}

async function answer(res: Response, started: number): Promise<Answer> {
  const text = await res.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  return { status: res.status, body, text, headers: res.headers, ms: Date.now() - started };
}

/** POST JSON from another loopback source address, i.e. as another client of the explorer. */
export function postJsonFrom(localAddress: string, url: string, body: unknown): Promise<{ status: number; body: any; ms: number }> {
  const started = Date.now();
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', localAddress, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text), ms: Date.now() - started }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}
