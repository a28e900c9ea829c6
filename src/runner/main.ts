// The managed-agent runner: started by the runtime as `node <bundle>` inside the agent's
// sandbox (contract in src/runtime/agent-host.ts). Serves A2A (1.0 and 0.3 JSON-RPC) on
// PILOX_AGENT_SOCKET and thinks through the LLM gateway on PILOX_HOST_SOCKET. Holds no
// credential: Pilox knows who calls from the socket.
import { existsSync, unlinkSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { AgentCard } from '@a2a-js/sdk';
import { DefaultRequestHandler, InMemoryTaskStore, JsonRpcTransportHandler, ServerCallContext, UnauthenticatedUser } from '@a2a-js/sdk/server';
import { LegacyJsonRpcTransportHandler } from '@a2a-js/sdk/compat/v0_3/server';
import { managedConfigSchema } from '../modules/agents/managed-config.js';
import { createConversationStore } from './conversations.js';
import { createManagedExecutor } from './executor.js';
import { createHostClient } from './host-client.js';
import { readRunnerEnv } from './runner-env.js';

const MAX_BODY = 4 * 1_048_576;
const BASE = 'http://agent.local';

function fail(message: string): never {
  process.stderr.write(`pilox-runner: ${message}\n`);
  process.exit(2);
}

const env = readRunnerEnv();
if ('error' in env) fail(env.error);
const parsed = managedConfigSchema.safeParse(env.config.managed);
if (!parsed.success) fail(`PILOX_AGENT_CONFIG.managed is invalid: ${parsed.error.issues[0]?.message}`);
const managed = parsed.data;

const card = AgentCard.fromJSON({
  name: env.config.name,
  description: env.config.description || `${env.config.name} (managed by Pilox)`,
  version: '1.0.0',
  supportedInterfaces: [
    { url: `${BASE}/`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
    { url: `${BASE}/`, protocolBinding: 'JSONRPC', protocolVersion: '0.3' },
  ],
  capabilities: { streaming: true },
  defaultInputModes: ['text/plain'],
  defaultOutputModes: ['text/plain'],
  skills: managed.skills.map((s) => ({ id: s.id, name: s.name, description: s.description ?? '', tags: s.tags ?? [], examples: s.examples ?? [] })),
});
const executor = createManagedExecutor({
  managed,
  host: createHostClient(env.hostSocket),
  conversations: createConversationStore(env.workDir),
  log: { error: (msg, err) => process.stderr.write(`pilox-runner: ${msg}: ${err instanceof Error ? err.message : String(err)}\n`) },
});
const handler = new DefaultRequestHandler(card, new InMemoryTaskStore(), executor);

async function read(req: IncomingMessage): Promise<string | null> {
  let body = '';
  req.setEncoding('utf8');
  for await (const c of req) {
    body += c;
    if (body.length > MAX_BODY) return null;
  }
  return body;
}

async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path === '/.well-known/agent-card.json') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(AgentCard.toJSON(card)));
    return;
  }
  if (req.method !== 'POST' || path !== '/') {
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    return;
  }
  const body = await read(req);
  if (body === null) {
    res.writeHead(413).end();
    return;
  }
  const version = typeof req.headers['a2a-version'] === 'string' ? req.headers['a2a-version'] : '0.3';
  const context = new ServerCallContext({ user: new UnauthenticatedUser(), requestedVersion: version });
  const transport = version === '0.3' ? new LegacyJsonRpcTransportHandler(handler) : new JsonRpcTransportHandler(handler);
  const out = await transport.handle(body, context);
  if (typeof (out as AsyncGenerator)[Symbol.asyncIterator] === 'function') {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for await (const ev of out as AsyncGenerator) {
      if (res.destroyed) break;
      res.write(`data: ${JSON.stringify(ev)}\n\n`);
    }
    res.end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out));
}

const server = createServer((req, res) => {
  onRequest(req, res).catch((err) => {
    process.stderr.write(`pilox-runner: request failed: ${err instanceof Error ? err.message : String(err)}\n`);
    if (!res.headersSent) res.writeHead(500).end();
    else res.end();
  });
});
server.keepAliveTimeout = 65_000;
if (existsSync(env.agentSocket)) unlinkSync(env.agentSocket);
server.listen(env.agentSocket, () => process.stdout.write(`pilox-runner listening on ${env.agentSocket}\n`));

function stop() {
  server.closeAllConnections();
  server.close(() => process.exit(0));
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
