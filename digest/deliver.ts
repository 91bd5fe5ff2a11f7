/**
 * Teams webhook delivery. The URL carries a `sig=` secret (SPEC §9, §11 S5): it comes from the
 * settings (env TEAMS_WEBHOOK_URL or the file named by TEAMS_WEBHOOK_FILE) and never appears in any
 * message this module produces — errors name the attempt and the HTTP status, not the URL.
 */
import fs from 'node:fs';
import { type Settings } from '../config';
import { redactSecrets } from '../core/redact';

export interface DeliveryOptions {
  /** Waits before retry 1, 2, 3 (SPEC: 3 retries). */
  retryDelaysMs: number[];
  /** Per-request timeout. */
  timeoutMs: number;
}

export const DEFAULT_DELIVERY: DeliveryOptions = { retryDelaysMs: [2_000, 5_000, 15_000], timeoutMs: 20_000 };

export interface DeliveryResult {
  ok: boolean;
  attempts: number;
  /** Last failure, safe to print (no URL, secrets redacted). */
  error: string | null;
}

export class WebhookConfigError extends Error {}

/** The webhook URL from the settings, or a WebhookConfigError that says what to set (never the value). */
export function webhookUrl(settings: Settings): string {
  let url = settings.TEAMS_WEBHOOK_URL;
  if (!url && settings.TEAMS_WEBHOOK_FILE) {
    try {
      url = fs.readFileSync(settings.TEAMS_WEBHOOK_FILE, 'utf8').trim();
    } catch (err) {
      throw new WebhookConfigError(`cannot read TEAMS_WEBHOOK_FILE: ${(err as NodeJS.ErrnoException).code ?? 'read error'}`);
    }
  }
  if (!url) throw new WebhookConfigError('no Teams webhook configured: set TEAMS_WEBHOOK_URL or TEAMS_WEBHOOK_FILE');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new WebhookConfigError('the configured Teams webhook is not a valid URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new WebhookConfigError('the configured Teams webhook must be an http(s) URL');
  return url;
}

function describeFailure(err: unknown, timeoutMs: number): string {
  const e = err as Error & { cause?: { code?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no response within ${timeoutMs} ms`;
  // fetch errors carry the reason in `cause` (ECONNREFUSED, ENOTFOUND…); the message itself is generic.
  return redactSecrets(e?.cause?.code ?? e?.message ?? String(err));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** POSTs the card; HTTP 200/202 = delivered. One attempt plus one retry per configured delay. */
export async function postToWebhook(url: string, payload: unknown, options: DeliveryOptions, onRetry?: (line: string) => void): Promise<DeliveryResult> {
  const body = JSON.stringify(payload);
  let error: string | null = null;
  const attempts = options.retryDelaysMs.length + 1;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(options.timeoutMs),
        redirect: 'error',
      });
      // Drain the body so the connection is released; its text is not echoed (it may quote the request).
      await res.arrayBuffer().catch(() => undefined);
      if (res.status === 200 || res.status === 202) return { ok: true, attempts: attempt, error: null };
      error = `HTTP ${res.status}`;
    } catch (err) {
      error = describeFailure(err, options.timeoutMs);
    }
    if (attempt < attempts) {
      const delay = options.retryDelaysMs[attempt - 1];
      onRetry?.(`Teams delivery attempt ${attempt}/${attempts} failed (${error}); retrying in ${delay} ms`);
      await sleep(delay);
    }
  }
  return { ok: false, attempts, error };
}
