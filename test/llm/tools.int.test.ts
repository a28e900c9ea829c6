// MCP tools on pilox.sock: Pilox lists and calls the agent's MCP servers through the egress
// guard, adding header secrets the agent never sees.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMcpFixture, type McpFixture } from '../fixtures/mcp-server.js';
import type { TestApp } from '../helpers/app.js';
import { createTestUser } from '../helpers/identity.js';
import { createLlmTestApp, managedAgent, serveHostSocket, socketCall, type HostSocket } from './llm-helpers.js';

let t: TestApp;
let mcp: McpFixture;
let ownerId: string;
const sockets: HostSocket[] = [];

beforeAll(async () => {
  mcp = await startMcpFixture();
  t = await createLlmTestApp([mcp.port]);
  ownerId = (await createTestUser(t, 'operator')).user.id;
  await t.container.secrets.create({ id: ownerId }, { name: 'TOOL_KEY', value: 'tool-secret-123' });
});
afterAll(async () => {
  for (const s of sockets) await s.close();
  await t?.close();
  await mcp?.close();
});

describe('tools on pilox.sock', () => {
  it('lists tools in OpenAI format and calls them with the header secret added by Pilox', async () => {
    const agent = managedAgent(ownerId, { model: 'm', tools: [{ name: 'kb', url: mcp.url, headerSecrets: { 'x-tool-key': 'TOOL_KEY' } }] });
    const s = await serveHostSocket(t.container.agentHostHandler, agent);
    sockets.push(s);
    const listed = await socketCall(s.path, 'GET', '/v1/tools');
    expect(listed.status).toBe(200);
    const tools = JSON.parse(listed.body).tools;
    expect(tools.map((x: { function: { name: string } }) => x.function.name).sort()).toEqual(['kb__lookup', 'kb__whoami']);
    expect(tools.find((x: { function: { name: string } }) => x.function.name === 'kb__lookup').function.parameters.properties.text).toBeTruthy();

    const called = JSON.parse((await socketCall(s.path, 'POST', '/v1/tools/call', { name: 'kb__lookup', arguments: { text: 'pilox' } })).body);
    expect(called).toEqual({ content: 'found: pilox', isError: false });
    const who = JSON.parse((await socketCall(s.path, 'POST', '/v1/tools/call', { name: 'kb__whoami', arguments: {} })).body);
    expect(who.content).toBe('tool-secret-123');

    const unknown = await socketCall(s.path, 'POST', '/v1/tools/call', { name: 'other__x', arguments: {} });
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body).error.code).toBe('TOOL_NOT_FOUND');
  });

  it('reaches MCP servers only through the egress guard', async () => {
    const agent = managedAgent(ownerId, { model: 'm', tools: [{ name: 'meta', url: 'http://169.254.169.254/mcp' }] });
    const s = await serveHostSocket(t.container.agentHostHandler, agent);
    sockets.push(s);
    const res = await socketCall(s.path, 'GET', '/v1/tools');
    expect(res.status).toBe(502);
    expect(JSON.parse(res.body).error.code).toBe('TOOL_SERVER_UNAVAILABLE');
    expect(JSON.parse(res.body).error.message).toMatch(/blocked|EGRESS/i);
  });
});
