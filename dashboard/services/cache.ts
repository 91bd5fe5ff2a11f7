/**
 * In-process response cache (SPEC §7.1): successful GET answers (JSON and rendered pages) kept as
 * they went on the wire, bounded by bytes, with a TTL per entry, dropped whole when the DB changes.
 * The LRU bookkeeping is lru-cache's; this class adds the generation rule below.
 */
import { LRUCache } from 'lru-cache';

/** A cached 200: every header it went out with (names in lower case) and the body. */
export interface CachedResponse {
  headers: Readonly<Record<string, string>>;
  body: Buffer;
}

export class ResponseCache {
  private readonly lru: LRUCache<string, CachedResponse>;
  private gen = 0;

  constructor(maxBytes: number) {
    this.lru = new LRUCache<string, CachedResponse>({
      maxSize: maxBytes,
      // The body dominates; the key is counted so that many tiny answers still meet the bound.
      sizeCalculation: (value, key) => value.body.length + key.length + 1,
    });
  }

  get(key: string): CachedResponse | undefined {
    return this.lru.get(key);
  }

  /** Moves on every clear(); see set(). */
  get generation(): number {
    return this.gen;
  }

  /**
   * Stores an answer. Pass the `generation` read before producing it: an answer built from data
   * that changed meanwhile (the cache was cleared since) is not stored, or it would outlive the change.
   */
  set(key: string, value: CachedResponse, ttlSeconds: number, generation: number): void {
    if (generation !== this.gen) return;
    // lru-cache refuses (does not store) an entry bigger than the whole bound.
    this.lru.set(key, value, { ttl: ttlSeconds * 1000 });
  }

  clear(): void {
    this.lru.clear();
    this.gen++;
  }

  get size(): number {
    return this.lru.size;
  }
}

/**
 * Key of a GET response: path + query sorted by name, so `?a=1&b=2` and `?b=2&a=1` share an entry.
 * A repeated parameter (`?model=a&model=b`, an array) keeps its values apart, so it never shares an
 * entry with the single value `?model=a,b`.
 */
export function requestCacheKey(path: string, query: Record<string, unknown>): string {
  const q = new URLSearchParams();
  for (const k of Object.keys(query).sort()) {
    const value = query[k];
    for (const v of Array.isArray(value) ? value : [value]) q.append(k, String(v));
  }
  return `${path}?${q.toString()}`;
}
