/** A real local HTTP server standing in for the Teams webhook: records every request, answers per a script. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Reply = number | 'hang';

export interface WebhookServer {
  /** The webhook URL, carrying a `sig=` secret like the real ones. */
  url: string;
  secret: string;
  requests: Array<{ path: string; body: string }>;
  close(): Promise<void>;
}

/** `replies[i]` answers request i (the last one repeats); 'hang' never answers. */
export async function startWebhookServer(replies: Reply[] = [200]): Promise<WebhookServer> {
  const requests: WebhookServer['requests'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = replies[Math.min(requests.length, replies.length - 1)];
      requests.push({ path: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
      if (reply === 'hang') return;
      res.writeHead(reply, { 'content-type': 'text/plain' });
      res.end(reply === 200 || reply === 202 ? '1' : 'server error');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const secret = 'SECRETSECRETSECRET0123456789abcdef';
  return {
    url: `http://127.0.0.1:${port}/webhookb2/abc/IncomingWebhook/def?api-version=1&sig=${secret}`,
    secret,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
