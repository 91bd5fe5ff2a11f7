/**
 * Rendered pages kept in the response cache (issue 4): a repeat is served from it byte for byte,
 * and a commit by another connection or a sync drops it, so no page outlives the data it shows.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWriter } from '../../database/connection';
import { ResponseCache, requestCacheKey, type CachedResponse } from '../../dashboard/services/cache';
import { writeSyncState } from '../../sync/sidecar';
import { steppedClock } from '../helpers/clock';
import { tempDir } from '../helpers/fixtures';
import { startServer, type RunningServer } from '../helpers/server';
import { buildIngestedDb, rawGet } from './helpers';

let tmp: ReturnType<typeof tempDir>;
let dbPath: string;
let server: RunningServer;
const clock = steppedClock();

beforeAll(async () => {
  tmp = tempDir('dash-page-cache-');
  dbPath = path.join(tmp.dir, 'ci.db');
  await buildIngestedDb(dbPath);
  server = await startServer({ dbPath, clock: clock.now });
});
afterAll(async () => {
  await server.close();
  tmp.cleanup();
});

async function get(p: string): Promise<{ status: number; cache: string | null; type: string | null; html: string }> {
  const res = await fetch(server.url + p);
  return { status: res.status, cache: res.headers.get('x-cache'), type: res.headers.get('content-type'), html: await res.text() };
}

describe('page cache', () => {
  it('serves a repeat of each page from the cache, identical to the rendered one', async () => {
    for (const p of ['/', '/hardware/mi30x', '/hardware/mi35x?date=20251130', '/plots/mi30x', '/upstream-ci']) {
      const first = await get(p);
      const again = await get(p);
      expect([first.status, first.cache, again.status, again.cache]).toEqual([200, 'miss', 200, 'hit']);
      expect(again.type).toBe(first.type);
      expect(again.html).toBe(first.html);
    }
    // The query is normalised: another order of the same parameters is the same page.
    expect((await get('/hardware/mi30x?machine=&date=20251219')).cache).toBe('miss');
    expect((await get('/hardware/mi30x?date=20251219&machine=')).cache).toBe('hit');
  });

  it('answers a hit before any route runs (no query), and serves the new data once a commit is seen', async () => {
    // Every route that builds a page or JSON asks ctx.data.db() for its queries; the hit path never does.
    const data = server.ctx.data;
    const db = data.db.bind(data);
    let routeQueries = 0;
    data.db = () => {
      routeQueries++;
      return db();
    };
    try {
      const served = async (p: string) => {
        routeQueries = 0;
        const r = await get(p);
        return { status: r.status, cache: r.cache, ranRoute: routeQueries > 0, html: r.html };
      };
      for (const p of ['/hardware/mi35x?date=20251217', '/api/summary/mi35x/20251217']) {
        expect(await served(p)).toMatchObject({ status: 200, cache: 'miss', ranRoute: true });
        expect(await served(p)).toMatchObject({ status: 200, cache: 'hit', ranRoute: false });
      }
      const w = openWriter(dbPath);
      w.prepare("UPDATE test_runs SET docker_image = 'rocm/sgl-dev:fast-path-test' WHERE run_date = '20251217' AND hardware = 'mi35x'").run();
      w.close();
      const after = await served('/hardware/mi35x?date=20251217');
      expect(after).toMatchObject({ status: 200, cache: 'miss', ranRoute: true });
      expect(after.html).toContain('rocm/sgl-dev:fast-path-test');
      const again = await served('/hardware/mi35x?date=20251217');
      expect(again).toMatchObject({ status: 200, cache: 'hit', ranRoute: false });
      expect(again.html).toBe(after.html);
    } finally {
      data.db = db;
    }
  });

  it('answers a hit with the headers express gives the first answer, and a revalidation with 304', async () => {
    for (const p of ['/hardware/mi30x?date=20251217', '/api/summary/mi35x/20251217', '/api/database/stats', '/api/compare-runs?a=mi30x:20251130&b=mi30x:20251217']) {
      const headers = async () => {
        const res = await fetch(server.url + p);
        await res.arrayBuffer();
        const all = Object.fromEntries(res.headers);
        delete all.date;
        return { status: res.status, all };
      };
      const first = await headers();
      const hit = await headers();
      expect(first.all['x-cache']).toBe('miss');
      expect(hit.all).toEqual({ ...first.all, 'x-cache': 'hit' });
      // Raw HTTP: fetch adds `Cache-Control: no-cache` to a conditional request, which rules out a 304.
      expect((await rawGet(server.url, p, { 'If-None-Match': first.all.etag })).status).toBe(304);
    }
  });

  it('drops the pages when another connection commits', async () => {
    const before = await get('/hardware/mi30x?date=20251219');
    expect(before.html).not.toContain('rocm/sgl-dev:page-cache-test');
    const w = openWriter(dbPath);
    w.prepare("UPDATE test_runs SET docker_image = 'rocm/sgl-dev:page-cache-test' WHERE run_date = '20251219' AND hardware = 'mi30x'").run();
    w.close();
    // No clock step: a commit is seen on the next request.
    const after = await get('/hardware/mi30x?date=20251219');
    expect(after.cache).toBe('miss');
    expect(after.html).toContain('rocm/sgl-dev:page-cache-test');
  });

  it('keeps the DB stats until the data changes, without telling browsers to cache them', async () => {
    const count = async () => {
      const res = await fetch(server.url + '/api/database/stats');
      expect(res.headers.get('cache-control')).toBeNull();
      return ((await res.json()) as { stats: { test_runs: number } }).stats.test_runs;
    };
    const before = await count();
    const w = openWriter(dbPath);
    w.prepare("INSERT INTO test_runs (run_date, hardware, machine_name) VALUES ('20251220', 'mi30x', 'page-cache-test')").run();
    w.close();
    expect(await count()).toBe(before + 1);
  });

  it('drops the pages after a sync that leaves the DB as it was (the home page shows the last sync)', async () => {
    // The file checks first take in what the earlier tests' writers left (their checkpoints).
    clock.pastRecheck();
    await get('/');
    expect((await get('/')).cache).toBe('hit');
    writeSyncState(dbPath, { remote_commit: 'abc', remote_blob: 'def', pushed_digest: null, pulled_digest: null });
    // The sidecar is looked at with the file checks, at most every FILE_RECHECK_MS.
    expect((await get('/')).cache).toBe('hit');
    clock.pastRecheck();
    const after = await get('/');
    expect(after.cache).toBe('miss');
    expect(after.html).not.toContain('never synced on this machine');
  });

  it('never keeps an error page or answer', async () => {
    for (let i = 0; i < 2; i++) {
      const r = await get('/hardware/mi30x?date=20251340');
      expect(r.status).toBe(404);
      expect(r.cache).toBeNull();
      const missing = await get('/api/compare-runs?a=mi30x:20251201&b=mi30x:20251217');
      expect([missing.status, missing.cache]).toEqual([404, 'miss']);
    }
  });
});

describe('ResponseCache', () => {
  it('does not store a body produced from data read before a clear', () => {
    const cache = new ResponseCache(1024);
    const generation = cache.generation;
    cache.clear(); // the data changed while the body was being produced
    cache.set('k', answer('old'), 60, generation);
    expect(cache.get('k')).toBeUndefined();
    cache.set('k', answer('new'), 60, cache.generation);
    expect(cache.get('k')?.body.toString()).toBe('new');
  });

  it('keeps the entries within its byte bound, dropping the least recently used first', () => {
    const cache = new ResponseCache(100);
    cache.set('a', answer('x'.repeat(40)), 60, cache.generation);
    cache.set('b', answer('y'.repeat(40)), 60, cache.generation);
    expect(cache.get('a')).toBeDefined(); // now the most recently used
    cache.set('c', answer('z'.repeat(40)), 60, cache.generation);
    expect([cache.get('a') !== undefined, cache.get('b') !== undefined, cache.get('c') !== undefined]).toEqual([true, false, true]);
    // An answer bigger than the whole bound is not kept at all.
    cache.set('big', answer('w'.repeat(200)), 60, cache.generation);
    expect(cache.get('big')).toBeUndefined();
    expect(cache.size).toBe(2);
  });
});

function answer(body: string): CachedResponse {
  return { headers: { 'Content-Type': 'text/plain' }, body: Buffer.from(body) };
}

describe('requestCacheKey', () => {
  it('ignores parameter order but keeps a repeated parameter apart from one comma-joined value', () => {
    expect(requestCacheKey('/p', { b: '2', a: '1' })).toBe(requestCacheKey('/p', { a: '1', b: '2' }));
    expect(requestCacheKey('/p', { model: ['a', 'b'] })).not.toBe(requestCacheKey('/p', { model: 'a,b' }));
    expect(requestCacheKey('/p', { model: ['a', 'b'] })).toBe('/p?model=a&model=b');
  });
});
