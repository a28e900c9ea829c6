// The gateway forwards only its four A2A routes. A slug that the upstream URL parser would
// re-read as path segments (backslashes, %2e%2e) must not reach any other path of the app.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGateway } from '../../src/gateway/gateway.js';
import { createUpstream } from '../../src/gateway/upstream.js';
import { createMemoryKv } from '../../src/lib/kv/memory-kv.js';

function rawRequest(port: number, requestLine: string, body = '{}'): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => {
      s.write(`${requestLine}\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    });
    let out = '';
    s.on('data', (d) => (out += d.toString()));
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
}

describe('gateway path confinement', () => {
  let app: Server;
  const seen: string[] = [];
  let gw: ReturnType<typeof buildGateway>['app'];
  let gwPort: number;

  beforeAll(async () => {
    app = createServer((req: IncomingMessage, res) => {
      seen.push(req.url ?? '');
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    const upstream = createUpstream({ baseUrl: `http://127.0.0.1:${(app.address() as { port: number }).port}`, timeoutMs: 10_000 });
    gw = buildGateway({
      settings: { rateLimit: { max: 100, windowMs: 60_000 }, maxBodyBytes: 8192, requestTimeoutMs: 10_000, inboundSecret: 's'.repeat(40), clientIpSource: 'socket' },
      kv: createMemoryKv(),
      upstream,
    }).app;
    await gw.listen({ port: 0, host: '127.0.0.1' });
    gwPort = (gw.server.address() as { port: number }).port;
  }, 30_000);
  afterAll(async () => {
    await gw?.close();
    await new Promise((r) => app?.close(r));
  });

  it('a slug with backslashes or encoded dots never reaches another app path', async () => {
    seen.length = 0;
    await rawRequest(gwPort, 'POST /a2a/agents/..\\..\\api\\auth\\login HTTP/1.1');
    await rawRequest(gwPort, 'POST /a2a/agents/%2e%2e HTTP/1.1');
    await rawRequest(gwPort, 'GET /a2a/agents/..\\..\\api\\agents\\x/.well-known/agent-card.json HTTP/1.1', '');
    for (const path of seen) expect(path).toMatch(/^\/a2a\/agents\/[^/\\]+(\/\.well-known\/agent-card\.json)?(\?.*)?$/);
  });

  it('still forwards ordinary slugs and the query string', async () => {
    seen.length = 0;
    const res = await rawRequest(gwPort, 'POST /a2a/agents/echo?x=1 HTTP/1.1');
    expect(res).toContain('200');
    expect(seen).toEqual(['/a2a/agents/echo?x=1']);
  });
});
