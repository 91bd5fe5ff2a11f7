/**
 * Issue 14 #14: the explorer runs one query per client address at a time. Behind a proxy every user
 * has the proxy's address, so the wait for a turn is bounded (EXPLORER_QUEUE_WAIT_MS, then a clear
 * 503), and with TRUST_PROXY naming the proxy the users' own addresses are told apart again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../helpers/server';
import { oracleDbInTemp } from './helpers';

const RUNAWAY = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT max(x) FROM c';
const WAIT_MS = 500;
const LIMIT_MS = 3000;

let env: ReturnType<typeof oracleDbInTemp>;
let direct: RunningServer;
let proxied: RunningServer;

beforeAll(async () => {
  env = oracleDbInTemp();
  const settings = { EXPLORER_QUEUE_WAIT_MS: WAIT_MS, EXPLORER_TIMEOUT_MS: LIMIT_MS };
  direct = await startServer({ dbPath: env.dbPath, settings });
  proxied = await startServer({ dbPath: env.dbPath, settings: { ...settings, TRUST_PROXY: 'loopback' } });
  // Warm both pools so that no wait below is a child starting up.
  for (const server of [direct, proxied]) expect((await query(server, 'SELECT 1')).status).toBe(200);
});
afterAll(async () => {
  await direct?.close();
  await proxied?.close();
  env?.cleanup();
});

async function query(server: RunningServer, sql: string, forwardedFor?: string): Promise<{ status: number; body: { error?: string; rows?: unknown[][] }; ms: number }> {
  const started = Date.now();
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (forwardedFor) headers['x-forwarded-for'] = forwardedFor;
  const res = await fetch(`${server.url}/api/database/query`, { method: 'POST', headers, body: JSON.stringify({ query: sql }) });
  return { status: res.status, body: (await res.json()) as { error?: string }, ms: Date.now() - started };
}

describe('the wait for a turn is bounded', () => {
  it('answers 503 after EXPLORER_QUEUE_WAIT_MS instead of queueing behind a runaway query of the same address', async () => {
    const runaway = query(direct, RUNAWAY);
    await new Promise((r) => setTimeout(r, 100));
    const waiting = await Promise.all([query(direct, 'SELECT 2'), query(direct, 'SELECT 3')]);
    for (const w of waiting) {
      expect(w.status).toBe(503);
      expect(w.body.error).toMatch(/^The SQL explorer is busy: no query slot came free within \d+ ms; try again shortly$/);
      // Answered at the bound, long before the runaway query's limit.
      expect(w.ms).toBeGreaterThanOrEqual(WAIT_MS - 50);
      expect(w.ms).toBeLessThan(LIMIT_MS - 500);
    }
    expect((await runaway).status).toBe(408);
    expect((await query(direct, 'SELECT 4')).body.rows).toEqual([[4]]);
  });

  it('with TRUST_PROXY, users behind the proxy are separate clients', async () => {
    const runaway = query(proxied, RUNAWAY, '203.0.113.7');
    await new Promise((r) => setTimeout(r, 100));
    const other = await query(proxied, 'SELECT 5', '203.0.113.8');
    expect(other.status).toBe(200);
    expect(other.body.rows).toEqual([[5]]);
    expect(other.ms).toBeLessThan(LIMIT_MS - 500);
    // The same user still waits for their own query.
    const same = await query(proxied, 'SELECT 6', '203.0.113.7');
    expect(same.status).toBe(503);
    expect((await runaway).status).toBe(408);
  });
});
