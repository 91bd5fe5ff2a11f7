/**
 * Issue 14 #15: requests broken before any route runs (a malformed %-escape, a body over the limit, a
 * body that does not decompress) are the client's fault: 400 / 413 / 400 with a plain message and one
 * log line each, never a 500 with a stack trace.
 */
import http from 'node:http';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../helpers/server';
import { rawGet, serveOracleDb } from './helpers';

let served: Awaited<ReturnType<typeof serveOracleDb>>;
let server: RunningServer;

beforeAll(async () => {
  served = await serveOracleDb('dash-http-errors-');
  server = served.server;
});
afterAll(() => served?.close());

/** Runs `send` and returns what the server wrote to stderr meanwhile (the server runs in this process). */
async function serverLog<T>(send: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
  const written: string[] = [];
  const original = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    written.push(String(chunk));
    return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write;
  try {
    const result = await send();
    return { result, lines: written.join('').split('\n').filter((l) => l !== '') };
  } finally {
    process.stderr.write = original;
  }
}

function post(urlPath: string, body: Buffer, headers: Record<string, string>): Promise<{ status: number; type: string; body: string }> {
  const u = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method: 'POST', path: urlPath, headers: { 'Content-Type': 'application/json', 'Content-Length': String(body.length), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function expectOneLine(lines: string[], status: number): void {
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^\\[dashboard\\] ${status} `));
  expect(lines[0]).not.toMatch(/\bat .*\(/);
}

describe('broken requests', () => {
  it('answers a malformed %-escape in a page or API path with 400', async () => {
    const page = await serverLog(() => rawGet(server.url, '/hardware/mi30x%E0%A4%A'));
    expect([page.result.status, page.result.body]).toEqual([400, 'Malformed %-encoding in the URL']);
    expectOneLine(page.lines, 400);
    const api = await serverLog(() => rawGet(server.url, '/api/summary/%zz/20251130'));
    expect(api.result.status).toBe(400);
    expect(JSON.parse(api.result.body)).toEqual({ error: 'Malformed %-encoding in the URL' });
    expectOneLine(api.lines, 400);
  });

  it('answers a body over the limit with 413', async () => {
    const big = Buffer.from(JSON.stringify({ query: `SELECT '${'a'.repeat(3 * 1024 * 1024)}'` }));
    const { result, lines } = await serverLog(() => post('/api/database/query', big, {}));
    expect(result.status).toBe(413);
    expect(JSON.parse(result.body)).toEqual({ error: 'Request body too large (limit 2mb)' });
    expectOneLine(lines, 413);
  });

  it('answers a gzip body that does not decompress with 400', async () => {
    const { result, lines } = await serverLog(() => post('/api/database/query', Buffer.from('this is not gzip at all'), { 'Content-Encoding': 'gzip' }));
    expect(result.status).toBe(400);
    expect(JSON.parse(result.body)).toEqual({ error: 'Request body could not be decompressed (Content-Encoding does not match the body)' });
    expectOneLine(lines, 400);
    // A body that does decompress still works.
    const good = await post('/api/database/query', zlib.gzipSync(JSON.stringify({ query: 'SELECT 1 AS one' })), { 'Content-Encoding': 'gzip' });
    expect(good.status).toBe(200);
    expect(JSON.parse(good.body).rows).toEqual([[1]]);
  });
});
