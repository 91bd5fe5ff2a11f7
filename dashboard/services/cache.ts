/**
 * In-process LRU for API responses (SPEC §7.1): bounded by bytes, per-entry TTL, only successful
 * responses are stored, the whole cache is dropped when the DB changes.
 */
interface Entry {
  body: string;
  bytes: number;
  expires: number;
}

export class ResponseCache {
  private entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get(key: string): string | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    if (hit.expires < Date.now()) {
      this.delete(key);
      return undefined;
    }
    // Re-insert to mark as most recently used.
    this.entries.delete(key);
    this.entries.set(key, hit);
    return hit.body;
  }

  set(key: string, body: string, ttlSeconds: number): void {
    const bytes = Buffer.byteLength(body) + key.length;
    if (bytes > this.maxBytes) return;
    this.delete(key);
    this.entries.set(key, { body, bytes, expires: Date.now() + ttlSeconds * 1000 });
    this.bytes += bytes;
    for (const oldest of this.entries.keys()) {
      if (this.bytes <= this.maxBytes) break;
      this.delete(oldest);
    }
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  get size(): number {
    return this.entries.size;
  }

  private delete(key: string): void {
    const e = this.entries.get(key);
    if (e) {
      this.bytes -= e.bytes;
      this.entries.delete(key);
    }
  }
}
