// Pilox's side of an agent's /run/pilox/pilox.sock: an HTTP server on a unix socket in the
// agent's socket dir. Who is calling is known from which socket the request came in on, never
// from a credential the agent could forge.
import { chownSync, chmodSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { AgentHostHandler, AgentHostIdentity } from './agent-host.js';
import { HOST_SOCKET_NAME } from './runtime.js';

/** What answers when nothing is wired (agent-host.ts). */
export const notFoundHostHandler: AgentHostHandler = (_agent, _req, res) => {
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { code: 'NOT_FOUND', message: 'Nothing is served to agents on this instance' } }));
};

export interface HostSocket {
  path: string;
  close(): Promise<void>;
}

export async function serveHostSocket(opts: {
  socketDir: string;
  identity: AgentHostIdentity;
  handler: AgentHostHandler;
  /** The sandbox uid: it must be able to connect. */
  uid?: number;
  onError?: (err: unknown) => void;
}): Promise<HostSocket> {
  const path = join(opts.socketDir, HOST_SOCKET_NAME);
  rmSync(path, { force: true });
  const server: Server = createServer((req, res) => {
    try {
      opts.handler(opts.identity, req, res);
    } catch (err) {
      opts.onError?.(err);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'INTERNAL_ERROR', message: 'Internal error' } }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  chmodSync(path, 0o600);
  if (opts.uid !== undefined) chownSync(path, opts.uid, opts.uid);
  return {
    path,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        rmSync(path, { force: true });
      }),
  };
}
