// Small helpers for runtime driver tests: HTTP over an agent's unix socket and polling.
import { request } from 'node:http';

export function httpOverSocket(
  socketPath: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        socketPath,
        method,
        path,
        headers: { 'content-type': 'application/json', ...(payload ? { 'content-length': Buffer.byteLength(payload) } : {}) },
        timeout: 10_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(payload);
  });
}

/** The agent card, or undefined while the agent is not answering yet. */
export async function getCard(socketPath: string): Promise<Record<string, unknown> | undefined> {
  try {
    const r = await httpOverSocket(socketPath, 'GET', '/.well-known/agent-card.json');
    return r.status === 200 ? (JSON.parse(r.text) as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A2A 0.3 `message/send` with one text part; returns the raw response text. */
export async function sendText(socketPath: string, text: string): Promise<string> {
  const r = await httpOverSocket(socketPath, 'POST', '/', {
    jsonrpc: '2.0',
    id: 1,
    method: 'message/send',
    params: { message: { kind: 'message', role: 'user', messageId: `m-${Date.now()}`, parts: [{ kind: 'text', text }] } },
  });
  if (r.status !== 200) throw new Error(`agent answered ${r.status}: ${r.text}`);
  return r.text;
}

export async function waitFor<T>(fn: () => Promise<T | undefined> | T | undefined, timeoutMs: number, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
