/** Starts the real express app on a free loopback port. */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { loadSettings, type Settings } from '../../config';
import { createApp } from '../../dashboard/app';
import type { AppContext } from '../../dashboard/context';

export interface RunningServer {
  url: string;
  ctx: AppContext;
  close(): Promise<void>;
}

export async function startServer(opts: { dbPath: string; baseDir?: string | null; settings?: Partial<Settings>; clock?: () => number }): Promise<RunningServer> {
  const settings = { ...loadSettings({}), ...opts.settings };
  const { ctx, listen } = createApp({ settings, dbPath: opts.dbPath, baseDir: opts.baseDir ?? null, clock: opts.clock });
  const server: Server = await listen(0, '127.0.0.1');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    ctx,
    close: () =>
      new Promise<void>((resolve) => {
        ctx.data.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
