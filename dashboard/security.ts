/**
 * Security middleware (SPEC §7.1, §11 S4/S6): the response headers (helmet) and the admin gate for
 * every state-changing route (Bearer ADMIN_TOKEN + same-origin Origin + rate limit).
 */
import crypto from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import helmet from 'helmet';

/** No inline scripts or styles anywhere: page data travels in `<script type="application/json">` blocks. */
export const CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  imgSrc: ["'self'", 'data:', 'https://raw.githubusercontent.com'],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  frameAncestors: ["'none'"],
};

/**
 * Headers on every response (a cache hit repeats the ones its miss went out with): CSP, nosniff,
 * frame denial, same-origin referrer, and helmet's cross-origin isolation (COOP, CORP,
 * Origin-Agent-Cluster). Off: HSTS, left to whatever terminates TLS in front of the dashboard (the
 * app speaks plain HTTP), and the headers only Internet Explorer or Flash ever read, which would
 * only lengthen every answer.
 */
export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
    referrerPolicy: { policy: 'same-origin' },
    xFrameOptions: { action: 'deny' },
    strictTransportSecurity: false,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false,
  }) as RequestHandler;
}

function tokensEqual(a: string, b: string): boolean {
  const ha = crypto.createHash('sha256').update(a).digest();
  const hb = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(ha, hb);
}

/** The Origin header must name this server (scheme + Host header). */
function sameOrigin(req: Request): boolean {
  const origin = req.get('origin');
  const host = req.get('host');
  if (!origin || !host) return false;
  try {
    const u = new URL(origin);
    return u.host === host && (u.protocol === 'http:' || u.protocol === 'https:');
  } catch {
    return false;
  }
}

/**
 * Gate for admin POSTs. Without a configured token: 403. Wrong/missing bearer: 401. Cross-origin or
 * missing Origin: 403. More than one call per `minIntervalMs` per route: 429.
 */
export function requireAdmin(adminToken: string | null, minIntervalMs = 30_000): RequestHandler {
  const lastCall = new Map<string, number>();
  return (req, res, next) => {
    if (!adminToken) {
      res.status(403).json({ error: 'Admin actions are disabled (no ADMIN_TOKEN configured)' });
      return;
    }
    const header = req.get('authorization') ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(header);
    if (!m || !tokensEqual(m[1].trim(), adminToken)) {
      res.status(401).json({ error: 'Admin token required' });
      return;
    }
    if (!sameOrigin(req)) {
      res.status(403).json({ error: 'Cross-origin request refused' });
      return;
    }
    const key = req.route?.path ? String(req.route.path) : req.path;
    const now = Date.now();
    const last = lastCall.get(key) ?? 0;
    if (minIntervalMs > 0 && now - last < minIntervalMs) {
      res.status(429).json({ error: 'Too many requests; try again shortly' });
      return;
    }
    lastCall.set(key, now);
    next();
  };
}
