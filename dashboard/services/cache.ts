/**
 * In-process LRU for API responses (SPEC §7.1): bounded by bytes, per-entry TTL, only successful
 * responses are stored, the whole cache is dropped when the DB changes.
 */
/** A cached 200 as it goes on the wire, for the cache hits answered before express (dashboard/fast-hits.ts). */
export interface WireResponse {
  headers: Readonly<Record<string, string>>;
  body: Buffer;
}

interface Entry {
  /** The body as text; null when the entry has a wire form, which holds the same bytes. */
  body: string | null;
  bytes: number;
  expires: number;
  wire?: WireResponse;
}

export class ResponseCache {
  private entries = new Map<string, Entry>();
  private bytes = 0;
  private gen = 0;

  constructor(private readonly maxBytes: number) {}

  get(key: string): string | undefined {
    const hit = this.hit(key);
    return hit && (hit.body ?? hit.wire?.body.toString('utf8'));
  }

  /** The wire form of an entry stored with one. */
  getWire(key: string): WireResponse | undefined {
    return this.hit(key)?.wire;
  }

  /** Moves on every clear(); see set(). */
  get generation(): number {
    return this.gen;
  }

  /**
   * Stores a body. Pass the `generation` read before producing it: a body built from data that
   * changed meanwhile (the cache was cleared since) is not stored, or it would outlive the change.
   */
  set(key: string, body: string, ttlSeconds: number, generation: number, wire?: WireResponse): void {
    if (generation !== this.gen) return;
    // The body is kept once: as the wire form's bytes when there is one.
    const bytes = (wire ? wire.body.length : Buffer.byteLength(body)) + key.length;
    if (bytes > this.maxBytes) return;
    this.delete(key);
    this.entries.set(key, { body: wire ? null : body, bytes, expires: Date.now() + ttlSeconds * 1000, wire });
    this.bytes += bytes;
    for (const oldest of this.entries.keys()) {
      if (this.bytes <= this.maxBytes) break;
      this.delete(oldest);
    }
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
    this.gen++;
  }

  get size(): number {
    return this.entries.size;
  }

  private hit(key: string): Entry | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    if (hit.expires < Date.now()) {
      this.delete(key);
      return undefined;
    }
    // Re-insert to mark as most recently used.
    this.entries.delete(key);
    this.entries.set(key, hit);
    return hit;
  }

  private delete(key: string): void {
    const e = this.entries.get(key);
    if (e) {
      this.bytes -= e.bytes;
      this.entries.delete(key);
    }
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
