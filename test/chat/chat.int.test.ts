// Chat and usage APIs end to end: dashboard chat → A2A gateway → the bundled runner (child
// process) → LLM gateway → fixture provider; conversations persisted; usage summarized.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/http/principal.js';
import { NotFoundError } from '../../src/lib/errors.js';
import type { AgentLookup } from '../../src/modules/chat/chat.ports.js';
import { startOpenAiFixture, type FixtureServer } from '../fixtures/openai-server/index.js';
import { createTestDirectory } from '../helpers/a2a.js';
import type { TestApp } from '../helpers/app.js';
import { createTestUser, type TestUser } from '../helpers/identity.js';
import { createLlmTestApp, managedAgent, waitForUsage } from '../llm/llm-helpers.js';
import { startRunner, type RunningRunner } from '../runner/runner-helpers.js';

let t: TestApp;
let openai: FixtureServer;
let alice: TestUser;
let bob: TestUser;
const directory = createTestDirectory();
const slugs = new Map<string, string>();
// The agents module's lookup, over the test directory (same visibility rules).
const lookup: AgentLookup = {
  async get(id: string, principal: Principal) {
    const slug = slugs.get(id);
    if (!slug) throw new NotFoundError('Agent not found', 'AGENT_NOT_FOUND');
    const { agent } = await directory.resolveForCall(slug, principal);
    return { id, slug, ownerId: agent.ownerId };
  },
};
const runners: RunningRunner[] = [];

async function addAgent(managed: Parameters<typeof managedAgent>[1]): Promise<RunningRunner> {
  const r = await startRunner(t, managedAgent(alice.user.id, managed));
  runners.push(r);
  directory.add({ id: r.agent.id, slug: r.agent.slug, ownerId: alice.user.id, visibility: 'private' }, { kind: 'unix', socketPath: r.agentSocket });
  slugs.set(r.agent.id, r.agent.slug);
  return r;
}

interface Sse {
  event: string;
  data: Record<string, unknown>;
}
function parseSse(body: string): Sse[] {
  return body
    .split('\n\n')
    .map((b) => {
      const event = /^event: (.+)$/m.exec(b)?.[1];
      const data = /^data: (.+)$/m.exec(b)?.[1];
      return event && data ? { event, data: JSON.parse(data) } : null;
    })
    .filter((x): x is Sse => x !== null);
}

async function chat(user: TestUser, agentId: string, body: Record<string, unknown>) {
  const res = await t.app.inject({ method: 'POST', url: `/api/agents/${agentId}/chat`, headers: user.headers, payload: body });
  return { status: res.statusCode, events: parseSse(res.body), raw: res.body };
}

beforeAll(async () => {
  openai = await startOpenAiFixture();
  t = await createLlmTestApp([openai.port], { overrides: { agentDirectory: directory, agentLookup: lookup } });
  alice = await createTestUser(t, 'operator');
  bob = await createTestUser(t, 'operator');
  await t.container.llm.providers.create({ id: 'test' }, { name: 'fixture', type: 'openai', baseUrl: openai.url, isDefault: true, models: [{ id: 'fixture-small', inputPerMillion: 1, outputPerMillion: 2 }] });
}, 60_000);
afterAll(async () => {
  for (const r of runners) await r.stop();
  await t?.close();
  await openai?.close();
});

describe('chat API', () => {
  it('streams an answer, persists the conversation and continues it', async () => {
    const r = await addAgent({ model: 'fixture-small' });
    const first = await chat(alice, r.agent.id, { message: 'hello chat' });
    expect(first.status).toBe(200);
    const conversationId = first.events[0]!.data.conversationId as string;
    expect(first.events[0]!.event).toBe('conversation');
    expect(first.events.filter((e) => e.event === 'token').map((e) => e.data.text).join('')).toBe('Echo: hello chat');
    const done = first.events.at(-1)!;
    expect(done.event).toBe('done');
    expect(done.data.message).toMatchObject({ role: 'agent', content: 'Echo: hello chat', status: 'completed', model: 'fixture-small', tokensIn: 3, tokensOut: 3 });

    const second = await chat(alice, r.agent.id, { message: 'more', conversationId });
    expect(second.events.at(-1)!.data.message).toMatchObject({ content: 'Echo: more' });
    expect((openai.requests.at(-1)!.body as { messages: unknown[] }).messages).toHaveLength(3);

    const list = (await t.app.inject({ method: 'GET', url: `/api/agents/${r.agent.id}/conversations`, headers: alice.headers })).json();
    expect(list.items.map((c: { id: string }) => c.id)).toEqual([conversationId]);
    const conv = (await t.app.inject({ method: 'GET', url: `/api/agents/${r.agent.id}/conversations/${conversationId}`, headers: alice.headers })).json();
    expect(conv.messages.map((m: { role: string; content: string }) => [m.role, m.content])).toEqual([
      ['user', 'hello chat'],
      ['agent', 'Echo: hello chat'],
      ['user', 'more'],
      ['agent', 'Echo: more'],
    ]);

    // Another user sees neither the agent nor the conversation.
    expect((await t.app.inject({ method: 'GET', url: `/api/agents/${r.agent.id}/conversations/${conversationId}`, headers: bob.headers })).statusCode).toBe(404);
    expect((await chat(bob, r.agent.id, { message: 'hi' })).status).toBe(404);

    const created = await t.app.inject({ method: 'POST', url: `/api/agents/${r.agent.id}/conversations`, headers: alice.headers, payload: { title: 'Empty' } });
    expect(created.statusCode).toBe(201);
    expect((await t.app.inject({ method: 'DELETE', url: `/api/agents/${r.agent.id}/conversations/${conversationId}`, headers: alice.headers })).statusCode).toBe(204);
    expect((await t.app.inject({ method: 'GET', url: `/api/agents/${r.agent.id}/conversations/${conversationId}`, headers: alice.headers })).statusCode).toBe(404);
  });

  it('reports a budget refusal as a failed agent message', async () => {
    const r = await addAgent({ model: 'fixture-small', budget: { dailyTokens: 1 } });
    await chat(alice, r.agent.id, { message: 'one' });
    await waitForUsage(t, r.agent.id, 1);
    const second = await chat(alice, r.agent.id, { message: 'two' });
    expect(second.events.at(-1)!.data.message).toMatchObject({ status: 'failed', content: expect.stringMatching(/^LLM_BUDGET_EXCEEDED: /) });
  });

  it('summarizes usage per agent, model and day', async () => {
    const r = runners[0]!;
    await waitForUsage(t, r.agent.id, 2);
    await waitForUsage(t, runners[1]!.agent.id, 2); // usage rows are written in small batches
    const byModel = (await t.app.inject({ method: 'GET', url: `/api/agents/${r.agent.id}/usage?groupBy=model`, headers: alice.headers })).json();
    expect(byModel.items).toEqual([{ key: 'fixture-small', requests: 2, tokensIn: 3 + 9, tokensOut: 5, costMicros: 12 * 1 + 5 * 2 }]);
    const byAgent = (await t.app.inject({ method: 'GET', url: '/api/usage?groupBy=agent', headers: alice.headers })).json();
    expect(byAgent.items.map((i: { key: string }) => i.key)).toContain(r.agent.id);
    const day = new Date().toISOString().slice(0, 10);
    const byDay = (await t.app.inject({ method: 'GET', url: '/api/usage?groupBy=day', headers: alice.headers })).json();
    expect(byDay.items.map((i: { key: string }) => i.key)).toEqual([day]);
    expect(byDay.totals.requests).toBeGreaterThanOrEqual(4);
    const bobs = (await t.app.inject({ method: 'GET', url: '/api/usage?groupBy=agent', headers: bob.headers })).json();
    expect(bobs.items).toEqual([]);
    const admin = await createTestUser(t, 'admin');
    const everyone = (await t.app.inject({ method: 'GET', url: '/api/usage?groupBy=agent&all=true', headers: admin.headers })).json();
    expect(everyone.items.map((i: { key: string }) => i.key)).toContain(r.agent.id);
    expect((await t.app.inject({ method: 'GET', url: '/api/usage?groupBy=agent&all=true', headers: bob.headers })).json().items).toEqual([]);
    expect((await t.app.inject({ method: 'GET', url: `/api/agents/${r.agent.id}/usage`, headers: bob.headers })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: '/api/usage?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z', headers: alice.headers })).statusCode).toBe(400);
  });
});
