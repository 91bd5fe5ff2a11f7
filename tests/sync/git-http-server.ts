/**
 * A real smart-HTTP git server for tests: node's http or https server in front of `git http-backend`
 * (CGI), requiring `Authorization: Basic base64("x-access-token:" + token)` the way GitHub accepts a
 * token. Lets tests prove the token reaches git (through the environment, over https only) and
 * nowhere else. With `tlsHome`, the server speaks https with a self-signed certificate made there,
 * and `tlsHome/.gitconfig` trusts it (use that folder as HOME of every git that talks to it).
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface GitHttpServer {
  url: string;
  /** Authorization headers the server received (to prove the token was sent). */
  authHeaders: string[];
  close(): Promise<void>;
}

/** A self-signed certificate for 127.0.0.1 and a .gitconfig in `home` that trusts it. */
function selfSignedTls(home: string): { key: Buffer; cert: Buffer } {
  fs.mkdirSync(home, { recursive: true });
  const key = path.join(home, 'server.key');
  const cert = path.join(home, 'server.crt');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  fs.writeFileSync(path.join(home, '.gitconfig'), `[http]\n\tsslCAInfo = ${cert}\n`);
  return { key: fs.readFileSync(key), cert: fs.readFileSync(cert) };
}

export async function startGitHttpServer(projectRoot: string, token: string, options: { tlsHome?: string } = {}): Promise<GitHttpServer> {
  const expected = `basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;
  const authHeaders: string[] = [];
  const handler: http.RequestListener = (req, res) => {
    const auth = req.headers.authorization ?? '';
    if (auth) authHeaders.push(auth);
    if (auth.toLowerCase() !== expected.toLowerCase()) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="test"' });
      res.end('unauthorized');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const cgi = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        GIT_PROJECT_ROOT: projectRoot,
        GIT_HTTP_EXPORT_ALL: '1',
        REMOTE_USER: 'x-access-token',
        REQUEST_METHOD: req.method ?? 'GET',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.replace(/^\?/, ''),
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        HTTP_CONTENT_ENCODING: String(req.headers['content-encoding'] ?? ''),
        GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
      },
    });
    req.pipe(cgi.stdin);
    const chunks: Buffer[] = [];
    cgi.stdout.on('data', (c: Buffer) => chunks.push(c));
    cgi.on('close', () => {
      const out = Buffer.concat(chunks);
      const split = out.indexOf('\r\n\r\n');
      const head = out.subarray(0, split).toString('utf8');
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.split('\r\n')) {
        const i = line.indexOf(':');
        if (i < 0) continue;
        const name = line.slice(0, i).trim();
        const value = line.slice(i + 1).trim();
        if (name.toLowerCase() === 'status') status = Number(value.split(' ')[0]);
        else headers[name] = value;
      }
      res.writeHead(status, headers);
      res.end(out.subarray(split + 4));
    });
  };
  const server = options.tlsHome ? https.createServer(selfSignedTls(options.tlsHome), handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tlsHome ? 'https' : 'http'}://127.0.0.1:${port}`,
    authHeaders,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
