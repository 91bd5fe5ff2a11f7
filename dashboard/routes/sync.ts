/**
 * Admin refresh of the DB (SPEC §7.2, §11 S4): `POST /api/database/refresh` and its alias
 * `/api/database/sync` run the pull of §6.2 in-process (no shell, no git output to the client),
 * behind the admin gate. 409 when another sync or ingest holds the lock; errors are redacted.
 */
import { Router, type Response } from 'express';
import { redactSecrets } from '../../core/redact';
import { LockTimeoutError } from '../../database/lock';
import { withWriteLock } from '../../database/write';
import { fileFacts } from '../../sync/db-file';
import { SyncError } from '../../sync/git';
import { resolveSyncOptions } from '../../sync/options';
import { pull } from '../../sync/pull';
import type { AppContext } from '../context';
import { requireAdmin } from '../security';
import { webWriteTarget } from '../services/web-writes';

const BUSY = 'Another sync or ingest is running; try again shortly';

export function syncRoutes(ctx: AppContext): Router {
  const router = Router();
  const gate = requireAdmin(ctx.settings.ADMIN_TOKEN);

  // A refresh already running answers a second one (refresh and its alias have separate rate limits)
  // with 409 at once instead of queueing another pull behind it.
  let running = false;
  const refresh = async (_req: unknown, res: Response): Promise<void> => {
    if (running) {
      res.status(409).json({ success: false, error: BUSY });
      return;
    }
    running = true;
    try {
      await runPull(res);
    } finally {
      running = false;
    }
  };

  const runPull = async (res: Response): Promise<void> => {
    const target = webWriteTarget(ctx);
    const opts = resolveSyncOptions(ctx.settings, ctx.data.dbPath, { lockWaitMs: target.waitMs });
    try {
      const result = await withWriteLock(target, 'refresh (sync pull)', () => pull(opts));
      res.json({
        success: true,
        message: result.status === 'updated' ? 'Database refreshed successfully' : `Database refreshed successfully (${result.message})`,
        database: fileFacts(opts.dbPath),
      });
    } catch (err) {
      if (err instanceof LockTimeoutError) {
        res.status(409).json({ success: false, error: BUSY });
        return;
      }
      // Only the first line of git's own output reaches the client (§11 S4); the rest goes to the server log.
      const message = err instanceof SyncError ? err.message.split(' | ')[0] : 'Database refresh failed';
      if (err instanceof SyncError && message !== err.message) process.stderr.write(`[dashboard] refresh: ${redactSecrets(err.message)}\n`);
      if (!(err instanceof SyncError)) process.stderr.write(`[dashboard] refresh: ${redactSecrets(String((err as Error)?.message ?? err))}\n`);
      res.status(500).json({ success: false, error: redactSecrets(message) });
    }
  };

  router.post('/api/database/refresh', gate, refresh);
  router.post('/api/database/sync', gate, refresh);
  return router;
}
