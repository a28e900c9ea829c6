// The bundled managed-agent runner as a child process, against the real gateway over unix
// sockets: card from its config, conversation per contextId, streaming as artifact updates,
// MCP tools through Pilox, gateway refusals as failed tasks, cancel mid-stream, and the same
// agent reached through Pilox's A2A gateway.
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAiFixture, type FixtureServer } from '../fixtures/openai-server/index.js';
import { startMcpFixture, type McpFixture } from '../fixtures/mcp-server.js';
import { createTestDirectory } from '../helpers/a2a.js';
import type { TestApp } from '../helpers/app.js';
import { createTestUser, type TestUser } from '../helpers/identity.js';
import { rpc, sendMessage, V1 } from '../a2a/rpc.js';
import { createLlmTestApp, managedAgent, waitForUsage } from '../llm/llm-helpers.js';
import { a2a, startRunner, textOf, userMessage, type RunningRunner } from './runner-helpers.js';

let t: TestApp;
let openai: FixtureServer;
let mcp: McpFixture;
let owner: TestUser;
const directory = createTestDirectory();
const runners: RunningRunner[] = [];
let plain: RunningRunner;

beforeAll(async () => {
  openai = await startOpenAiFixture({ apiKey: 'sk-runner', slowChunkMs: 100 });
  mcp = await startMcpFixture();
  t = await createLlmTestApp([openai.port, mcp.port], { overrides: { agentDirectory: directory } });
  owner = await createTestUser(t, 'operator');
  await t.container.llm.providers.create({ id: 'test' }, { name: 'fixture', type: 'openai', baseUrl: openai.url, apiKey: 'sk-runner', isDefault: true });
  plain = await startRunner(
    t,
    managedAgent(owner.user.id, { model: 'fixture-small', systemPrompt: 'You are terse.', skills: [{ id: 'echo', name: 'Echo', description: 'Says it back' }] }),
    'Echo bot',
  );
  runners.push(plain);
}, 60_000);
afterAll(async () => {
  for (const r of runners) await r.stop();
  await t?.close();
  await openai?.close();
  await mcp?.close();
});

describe('managed-agent runner', () => {
  it('serves its card from the agent config', async () => {
    const res = await new Promise<string>((resolve, reject) => {
      request({ socketPath: plain.agentSocket, path: '/.well-known/agent-card.json', headers: { 'a2a-version': '1.0' } }, (r) => {
        let d = '';
        r.on('data', (c) => (d += c));
        r.on('end', () => resolve(d));
      })
        .on('error', reject)
        .end();
    });
    const card = JSON.parse(res);
    expect(card).toMatchObject({ name: 'Echo bot', description: 'A managed test agent', capabilities: { streaming: true } });
    expect(card.skills).toEqual([expect.objectContaining({ id: 'echo', name: 'Echo' })]);
  });

  it('answers SendMessage with the system prompt and keeps the conversation of the contextId', async () => {
    const contextId = randomUUID();
    const first = await a2a(plain.agentSocket, 'SendMessage', userMessage('hello', contextId));
    expect(first.result?.task.status.state).toBe('TASK_STATE_COMPLETED');
    expect(textOf(first.result?.task.status.message)).toBe('Echo: hello');
    expect(first.result?.task.status.message.metadata.usage).toMatchObject({ promptTokens: 6, completionTokens: 2, model: 'fixture-small' });
    const second = await a2a(plain.agentSocket, 'SendMessage', userMessage('again', contextId));
    expect(textOf(second.result?.task.status.message)).toBe('Echo: again');
    const sent = (openai.requests.at(-1)!.body as { messages: { role: string; content: string }[] }).messages;
    expect(sent).toEqual([
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'hello' },
      { role: 'assistant', content: 'Echo: hello' },
      { role: 'user', content: 'again' },
    ]);
    // Another context starts afresh.
    await a2a(plain.agentSocket, 'SendMessage', userMessage('other', randomUUID()));
    expect((openai.requests.at(-1)!.body as { messages: unknown[] }).messages).toHaveLength(2);
    expect((await waitForUsage(t, plain.agent.id, 3)).every((r) => r.status === 'ok' && r.streamed)).toBe(true);
  });

  it('streams tokens as artifact updates', async () => {
    const raw = await new Promise<string>((resolve, reject) => {
      const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendStreamingMessage', params: userMessage('stream me please') });
      const req = request({ socketPath: plain.agentSocket, method: 'POST', path: '/', headers: { 'content-type': 'application/json', 'a2a-version': '1.0' } }, (r) => {
        let d = '';
        r.on('data', (c) => (d += c));
        r.on('end', () => resolve(d));
      });
      req.on('error', reject);
      req.end(body);
    });
    const events = raw.split('\n\n').filter((b) => b.startsWith('data: ')).map((b) => JSON.parse(b.slice(6)).result);
    const pieces = events.filter((e) => e.artifactUpdate).map((e) => textOf(e.artifactUpdate.artifact));
    expect(pieces.length).toBeGreaterThan(3);
    expect(pieces.join('')).toBe('Echo: stream me please');
    expect(events.at(-1).statusUpdate.status.state).toBe('TASK_STATE_COMPLETED');
  });

  it('runs MCP tools through Pilox in a loop and answers with their result', async () => {
    const r = await startRunner(t, managedAgent(owner.user.id, { model: 'fixture-small', tools: [{ name: 'kb', url: mcp.url }], maxSteps: 3 }));
    runners.push(r);
    const res = await a2a(r.agentSocket, 'SendMessage', userMessage('please use tool kb__lookup'));
    expect(res.result?.task.status.state).toBe('TASK_STATE_COMPLETED');
    expect(textOf(res.result?.task.status.message)).toBe('Tool result: found: please use tool kb__lookup');
    expect(mcp.calls.at(-1)).toMatchObject({ tool: 'lookup', args: { text: 'please use tool kb__lookup' } });
    expect((await waitForUsage(t, r.agent.id, 2)).length).toBe(2);
  });

  it('fails the task when the tool rounds run out before an answer', async () => {
    const r = await startRunner(t, managedAgent(owner.user.id, { model: 'fixture-small', tools: [{ name: 'kb', url: mcp.url }], maxSteps: 1 }));
    runners.push(r);
    const res = await a2a(r.agentSocket, 'SendMessage', userMessage('use tool kb__lookup'));
    expect(res.result?.task.status.state).toBe('TASK_STATE_FAILED');
    expect(textOf(res.result?.task.status.message)).toMatch(/^TOOL_STEPS_EXHAUSTED: /);
  });

  it('turns a gateway refusal (budget 402) into a failed task with its code', async () => {
    const r = await startRunner(t, managedAgent(owner.user.id, { model: 'fixture-small', budget: { dailyTokens: 1 } }));
    runners.push(r);
    expect((await a2a(r.agentSocket, 'SendMessage', userMessage('one'))).result?.task.status.state).toBe('TASK_STATE_COMPLETED');
    await waitForUsage(t, r.agent.id, 1);
    const res = await a2a(r.agentSocket, 'SendMessage', userMessage('two'));
    expect(res.result?.task.status.state).toBe('TASK_STATE_FAILED');
    expect(textOf(res.result?.task.status.message)).toMatch(/^LLM_BUDGET_EXCEEDED: /);
    expect(res.result?.task.status.message.metadata.error).toMatchObject({ code: 'LLM_BUDGET_EXCEEDED', status: 402 });
  });

  it('cancels mid-stream: the task is canceled and the LLM call recorded as cancelled', async () => {
    const before = (await waitForUsage(t, plain.agent.id, 0)).length;
    let taskId = '';
    const streamDone = new Promise<string>((resolve, reject) => {
      const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendStreamingMessage', params: userMessage('[slow] [long] go') });
      const req = request({ socketPath: plain.agentSocket, method: 'POST', path: '/', headers: { 'content-type': 'application/json', 'a2a-version': '1.0' } }, (r) => {
        let d = '';
        r.on('data', (c) => {
          d += c;
          const m = /"taskId":"([^"]+)"/.exec(d) ?? /"id":"([0-9a-f-]{36})"/.exec(d);
          if (m && !taskId && d.includes('artifactUpdate')) {
            taskId = m[1]!;
            void a2a(plain.agentSocket, 'CancelTask', { id: taskId });
          }
        });
        r.on('end', () => resolve(d));
      });
      req.on('error', reject);
      req.end(body);
    });
    await streamDone;
    expect(taskId).not.toBe('');
    const task = await a2a(plain.agentSocket, 'GetTask', { id: taskId });
    expect(task.result?.status.state).toBe('TASK_STATE_CANCELED');
    const rows = await waitForUsage(t, plain.agent.id, before + 1);
    expect(rows.at(-1)).toMatchObject({ status: 'cancelled', streamed: true });
  });

  it('is reachable through the Pilox A2A gateway like any agent', async () => {
    directory.add({ slug: plain.agent.slug, ownerId: owner.user.id, visibility: 'private' }, { kind: 'unix', socketPath: plain.agentSocket });
    const res = await rpc(t, `/a2a/agents/${plain.agent.slug}`, sendMessage('via gateway'), { ...V1, ...owner.headers });
    expect(res.status).toBe(200);
    const task = res.body.result!.task as { status: { state: string; message: { parts: { text: string }[] } } };
    expect(task.status.state).toBe('TASK_STATE_COMPLETED');
    expect(task.status.message.parts[0]!.text).toBe('Echo: via gateway');
  });
});
