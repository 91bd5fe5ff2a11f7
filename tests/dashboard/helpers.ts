/** Shared setup of the dashboard tests: real DBs (oracle rows or a real ingest of the fixture) and raw HTTP. */
import http from 'node:http';
import path from 'node:path';
import { loadSettings } from '../../config';
import { runIngest } from '../../ingest/index';
import { CI_LOGS, tempDir } from '../helpers/fixtures';
import { buildOracleDb, loadOracle } from '../helpers/oracle-db';
import { startServer, type RunningServer } from '../helpers/server';

/** The DEV nights of the oracle, ingested from the fixture with every extension table filled. */
export async function buildIngestedDb(dbPath: string): Promise<void> {
  const dates = [...new Set(loadOracle().test_runs.map((r) => String(r.run_date)))].sort();
  const summary = await runIngest({ dbPath, baseDir: CI_LOGS, dates, hardware: ['mi30x', 'mi35x'], settings: loadSettings({}) });
  if (summary.failed > 0) throw new Error(`fixture ingest failed for ${summary.failed} nights`);
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** GET with the path sent exactly as written (fetch would normalise `..` and re-encode). */
export function rawGet(baseUrl: string, rawPath: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  const u = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method: 'GET', path: rawPath, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The oracle DB in a fresh temp folder, served by a real server (`baseDir` is built in the folder first). */
export async function serveOracleDb(prefix: string, baseDir?: (dir: string) => string): Promise<{ dir: string; dbPath: string; server: RunningServer; close(): Promise<void> }> {
  const tmp = tempDir(prefix);
  const base = baseDir ? baseDir(tmp.dir) : null;
  const dbPath = path.join(tmp.dir, 'ci.db');
  buildOracleDb(dbPath);
  const server = await startServer({ dbPath, baseDir: base });
  return {
    dir: tmp.dir,
    dbPath,
    server,
    close: async () => {
      await server.close();
      tmp.cleanup();
    },
  };
}
