// Readiness: an agent is ready when its agent card answers on its own unix socket. Internal
// traffic to a socket Pilox created (no URL, nothing user-supplied), hence exempt from the
// egress guard in eslint.config.js.
import { request } from 'node:http';
import { pinAgentSocket, type PinnedSocket } from './agent-socket.js';

export const AGENT_CARD_PATH = '/.well-known/agent-card.json';

/** One card read; true on a 2xx JSON answer. */
export function probeCard(socketPath: string, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    let pin: PinnedSocket;
    try {
      pin = pinAgentSocket(socketPath); // not through a symlink the agent planted
    } catch {
      resolve(false);
      return;
    }
    const req = request({ socketPath: pin.path, path: AGENT_CARD_PATH, method: 'GET', timeout: timeoutMs, headers: { host: 'agent' } }, (res) => {
      res.resume();
      res.on('end', () => resolve((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300));
      res.on('error', () => resolve(false));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.on('socket', (sock) => sock.once('connect', () => pin.release()));
    req.on('close', () => pin.release());
    req.end();
  });
}

/** Polls the card until it answers, `isAlive()` turns false, or the timeout passes. */
export async function waitForCard(socketPath: string, opts: { timeoutMs: number; isAlive?: () => Promise<boolean> | boolean }): Promise<boolean> {
  const deadline = Date.now() + opts.timeoutMs;
  let delay = 5;
  while (Date.now() < deadline) {
    if (await probeCard(socketPath, Math.min(2000, Math.max(deadline - Date.now(), 1)))) return true;
    if (opts.isAlive && !(await opts.isAlive())) return false;
    await new Promise((r) => setTimeout(r, delay));
    // Short: a node program takes tens of ms to listen, and each poll costs one connect().
    delay = Math.min(delay * 2, 20);
  }
  return false;
}
