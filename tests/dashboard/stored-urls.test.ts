/**
 * Stored URLs come from a DB that another machine may have written (sync pull): a `javascript:` or
 * other non-http(s) URL in a row is never rendered as an href; the label stays visible as text.
 */
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANITY_CRON_LOG } from '../../core/tasks';
import { buildOracleDb } from '../helpers/oracle-db';
import { tempDir } from '../helpers/fixtures';
import { startServer, type RunningServer } from '../helpers/server';

const HOSTILE = {
  detail: 'javascript:window.__pwned=1',
  sanityLog: 'JavaScript:window.__pwned=2',
  nightLog: ' java\tscript:window.__pwned=3',
  otherLog: '//evil.example/steal',
};

let tmp: ReturnType<typeof tempDir>;
let server: RunningServer;

beforeAll(async () => {
  tmp = tempDir('dash-urls-');
  const dbPath = path.join(tmp.dir, 'ci.db');
  buildOracleDb(dbPath);
  const db = new BetterSqlite3(dbPath);
  const run = db.prepare("SELECT id FROM test_runs WHERE run_date='20251130' AND hardware='mi30x'").get() as { id: number };
  db.prepare('UPDATE benchmark_results SET github_detail_log_url=? WHERE test_run_id=?').run(HOSTILE.detail, run.id);
  db.prepare('DELETE FROM log_files WHERE test_run_id=?').run(run.id);
  db.prepare("INSERT INTO sanity_check_results (test_run_id, model_name, status, accuracy) VALUES (?, 'Llama-3.1-8B', 'pass', 0.9)").run(run.id);
  const log = db.prepare("INSERT INTO log_files (test_run_id, log_type, log_name, local_path, github_url) VALUES (?, 'cron', ?, NULL, ?)");
  log.run(run.id, SANITY_CRON_LOG, HOSTILE.sanityLog);
  log.run(run.id, 'pd_disagg_nightly.log', HOSTILE.nightLog);
  log.run(run.id, 'unit_test_nightly.log', HOSTILE.otherLog);
  db.close();
  server = await startServer({ dbPath, baseDir: null });
});
afterAll(async () => {
  await server?.close();
  tmp?.cleanup();
});

/** Every link target of the page, with the entities the browser would decode. */
function hrefs(html: string): string[] {
  return [...html.matchAll(/<a\s[^>]*?\bhref\s*=\s*"([^"]*)"/gi)].map((m) =>
    m[1]
      .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
      .replace(/&#x([0-9a-f]+);/gi, (_, n: string) => String.fromCharCode(parseInt(n, 16)))
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&'),
  );
}

describe('stored non-http(s) URLs', () => {
  it('/hardware renders none of them as a link and still names the logs', async () => {
    const res = await fetch(`${server.url}/hardware/mi30x?date=20251130`);
    expect(res.status).toBe(200);
    const html = await res.text();
    const links = hrefs(html);
    expect(links.length).toBeGreaterThan(5);
    for (const href of links) expect(href, href).toMatch(/^(https?:\/\/[^/\\]|\/(?![/\\])|#|\?)/i);
    expect(html).not.toMatch(/script:/i);
    expect(html).not.toContain('evil.example');
    // The night's logs are listed by name even though none of them has a usable link.
    const logs = html.slice(html.indexOf('id="night-logs"'));
    expect(logs).toContain('pd_disagg_nightly.log');
    expect(logs).toContain('unit_test_nightly.log');
    // No "detail log" or "sanity log" link was built from the hostile URLs.
    expect(html).not.toContain('>detail log</a>');
    expect(html).not.toContain('>sanity log</a>');
  });
});
