// The LLM gateway on an agent's pilox.sock (a real unix socket served by the container's
// agentHostHandler): OpenAI and Anthropic providers, streaming, limits, budgets, spend guard,
// one inference_usage row per call including a client that goes away mid-stream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promptTokens, startAnthropicFixture, startOpenAiFixture, type FixtureServer } from '../fixtures/openai-server/index.js';
import type { TestApp } from '../helpers/app.js';
import { createTestUser } from '../helpers/identity.js';
import type { AgentHostIdentity } from '../../src/runtime/agent-host.js';
import type { ManagedConfig } from '../../src/modules/agents/managed-config.js';
import { createLlmTestApp, managedAgent, serveHostSocket, socketCall, sseData, usageRows, waitForUsage, type HostSocket } from './llm-helpers.js';
import { request } from 'node:http';

const KEY = 'sk-gateway-secret-abcdef';
const ANTHROPIC_KEY = 'sk-ant-gateway-secret';
let t: TestApp;
let openai: FixtureServer;
let anthropic: FixtureServer;
let ownerId: string;
let anthropicId: string;
const sockets: HostSocket[] = [];

beforeAll(async () => {
  openai = await startOpenAiFixture({ apiKey: KEY, slowChunkMs: 100 });
  anthropic = await startAnthropicFixture({ apiKey: ANTHROPIC_KEY });
  t = await createLlmTestApp([openai.port, anthropic.port]);
  ownerId = (await createTestUser(t, 'operator')).user.id;
  const actor = { id: 'test' };
  await t.container.llm.providers.create(actor, {
    name: 'openai',
    type: 'openai',
    baseUrl: openai.url,
    apiKey: KEY,
    isDefault: true,
    models: [{ id: 'fixture-small', inputPerMillion: 2, outputPerMillion: 8 }],
  });
  anthropicId = (await t.container.llm.providers.create(actor, { name: 'anthropic', type: 'anthropic', baseUrl: anthropic.url, apiKey: ANTHROPIC_KEY, isDefault: false })).id;
});
afterAll(async () => {
  for (const s of sockets) await s.close();
  await t?.close();
  await openai?.close();
  await anthropic?.close();
});

async function agentSocket(managed: Partial<ManagedConfig> & { model: string }): Promise<{ agent: AgentHostIdentity; sock: string }> {
  const agent = managedAgent(ownerId, managed);
  const s = await serveHostSocket(t.container.agentHostHandler, agent);
  sockets.push(s);
  return { agent, sock: s.path };
}

const conversation = [
  { role: 'system', content: 'be brief' },
  { role: 'user', content: 'hello there' },
];
const PROMPT = promptTokens([
  { role: 'system', text: 'be brief' },
  { role: 'user', text: 'hello there' },
]);

describe('LLM gateway on pilox.sock', () => {
  it('answers a chat completion with the provider key Pilox holds and records usage and cost', async () => {
    const { agent, sock } = await agentSocket({ model: 'fixture-small' });
    const res = await socketCall(sock, 'POST', '/v1/chat/completions', { messages: conversation });
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body);
    expect(body.choices[0].message.content).toBe('Echo: hello there');
    expect(body.usage).toMatchObject({ prompt_tokens: PROMPT, completion_tokens: 3 });
    const upstream = openai.requests.at(-1)!;
    expect(upstream.headers.authorization).toBe(`Bearer ${KEY}`);
    expect((upstream.body as { model: string }).model).toBe('fixture-small');
    const [row] = await waitForUsage(t, agent.id, 1);
    expect(row).toMatchObject({ owner_id: ownerId, provider_type: 'openai', model: 'fixture-small', tokens_in: PROMPT, tokens_out: 3, status: 'ok', streamed: false });
    expect(Number(row!.cost_micros)).toBe(PROMPT * 2 + 3 * 8);
    const models = JSON.parse((await socketCall(sock, 'GET', '/v1/models')).body);
    expect(models.data.map((m: { id: string }) => m.id)).toEqual(['fixture-small']);
  });

  it('streams, with the usage chunk only when asked, and counts usage either way', async () => {
    const { agent, sock } = await agentSocket({ model: 'fixture-small' });
    const withUsage = await socketCall(sock, 'POST', '/v1/chat/completions', { messages: conversation, stream: true, stream_options: { include_usage: true } });
    expect(withUsage.status).toBe(200);
    expect(withUsage.headers['content-type']).toContain('text/event-stream');
    const events = sseData(withUsage.body);
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Echo: hello there');
    expect(chunks.at(-1).usage).toMatchObject({ prompt_tokens: PROMPT, completion_tokens: 3 });

    const without = await socketCall(sock, 'POST', '/v1/chat/completions', { messages: conversation, stream: true });
    const plain = sseData(without.body).slice(0, -1).map((e) => JSON.parse(e));
    expect(plain.some((c) => c.usage)).toBe(false);
    expect((openai.requests.at(-1)!.body as { stream_options: unknown }).stream_options).toEqual({ include_usage: true });
    const rows = await waitForUsage(t, agent.id, 2);
    expect(rows.map((r) => [r.status, r.streamed, r.tokens_in, r.tokens_out])).toEqual([
      ['ok', true, PROMPT, 3],
      ['ok', true, PROMPT, 3],
    ]);
  });

  it('passes tool calls through (OpenAI) and translates them (Anthropic), streamed and not', async () => {
    const tools = [{ type: 'function', function: { name: 'lookup', description: 'find things', parameters: { type: 'object', properties: { text: { type: 'string' } } } } }];
    for (const managed of [{ model: 'fixture-small' }, { model: 'claude-fixture', providerId: anthropicId }]) {
      const { sock } = await agentSocket(managed);
      const first = JSON.parse((await socketCall(sock, 'POST', '/v1/chat/completions', { messages: [{ role: 'user', content: 'please use tool lookup' }], tools })).body);
      expect(first.choices[0].finish_reason).toBe('tool_calls');
      const call = first.choices[0].message.tool_calls[0];
      expect(call.function.name).toBe('lookup');
      expect(JSON.parse(call.function.arguments)).toEqual({ text: 'please use tool lookup' });
      const followUp = [
        { role: 'user', content: 'please use tool lookup' },
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: call.id, content: '42' },
      ];
      const second = JSON.parse((await socketCall(sock, 'POST', '/v1/chat/completions', { messages: followUp, tools })).body);
      expect(second.choices[0].message.content).toBe('Tool result: 42');

      const streamed = sseData((await socketCall(sock, 'POST', '/v1/chat/completions', { messages: [{ role: 'user', content: 'use tool' }], tools, stream: true })).body);
      const deltas = streamed.slice(0, -1).map((e) => JSON.parse(e).choices[0]?.delta.tool_calls?.[0]).filter(Boolean);
      expect(deltas[0]).toMatchObject({ index: 0, id: expect.any(String), function: { name: 'lookup' } });
      expect(JSON.parse(deltas.map((d: { function?: { arguments?: string } }) => d.function?.arguments ?? '').join(''))).toEqual({ text: 'use tool' });
    }
  });

  it('translates to the Anthropic Messages API both ways, with the same token counts', async () => {
    const { agent, sock } = await agentSocket({ model: 'claude-fixture', providerId: anthropicId, limits: { maxOutputTokens: 50 } });
    const res = JSON.parse((await socketCall(sock, 'POST', '/v1/chat/completions', { messages: conversation })).body);
    expect(res.choices[0]).toMatchObject({ message: { role: 'assistant', content: 'Echo: hello there' }, finish_reason: 'stop' });
    const sent = anthropic.requests.at(-1)!;
    expect(sent.headers['x-api-key']).toBe(ANTHROPIC_KEY);
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body).toMatchObject({ model: 'claude-fixture', system: 'be brief', max_tokens: 50, messages: [{ role: 'user', content: [{ type: 'text', text: 'hello there' }] }] });

    const streamed = await socketCall(sock, 'POST', '/v1/chat/completions', { messages: conversation, stream: true, stream_options: { include_usage: true } });
    const chunks = sseData(streamed.body).slice(0, -1).map((e) => JSON.parse(e));
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Echo: hello there');
    expect(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0].finish_reason).toBe('stop');
    const rows = await waitForUsage(t, agent.id, 2);
    expect(rows.map((r) => [r.provider_type, r.tokens_in, r.tokens_out, r.streamed])).toEqual([
      ['anthropic', PROMPT, 3, false],
      ['anthropic', PROMPT, 3, true],
    ]);
  });

  it('enforces the model and caps max output tokens', async () => {
    const { agent, sock } = await agentSocket({ model: 'fixture-small', limits: { maxOutputTokens: 10 } });
    const wrong = await socketCall(sock, 'POST', '/v1/chat/completions', { model: 'gpt-4o', messages: conversation });
    expect(wrong.status).toBe(403);
    expect(JSON.parse(wrong.body).error.code).toBe('LLM_MODEL_NOT_ALLOWED');
    await socketCall(sock, 'POST', '/v1/chat/completions', { model: 'fixture-small', messages: conversation, max_tokens: 1000 });
    expect((openai.requests.at(-1)!.body as { max_tokens: number }).max_tokens).toBe(10);
    const bad = await socketCall(sock, 'POST', '/v1/chat/completions', { messages: [] });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error.code).toBe('VALIDATION_ERROR');
    expect((await waitForUsage(t, agent.id, 1)).length).toBe(1);
  });

  it('answers 429 past requests per minute and tokens per minute, with a rejected usage row', async () => {
    const { agent, sock } = await agentSocket({ model: 'fixture-small', limits: { requestsPerMinute: 2 } });
    expect((await socketCall(sock, 'POST', '/v1/chat/completions', { messages: conversation })).status).toBe(200);
    expect((await socketCall(sock, 'POST', '/v1/chat/completions', { messages: conversation })).status).toBe(200);
    const limited = await socketCall(sock, 'POST', '/v1/chat/completions', { messages: conversation });
    expect(limited.status).toBe(429);
    expect(JSON.parse(limited.body).error.code).toBe('LLM_RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    const rows = await waitForUsage(t, agent.id, 3);
    expect(rows.map((r) => r.status).sort()).toEqual(['ok', 'ok', 'rejected']);
    expect(rows.find((r) => r.status === 'rejected')!.error_code).toBe('LLM_RATE_LIMITED');

    const tpm = await agentSocket({ model: 'fixture-small', limits: { tokensPerMinute: PROMPT } });
    expect((await socketCall(tpm.sock, 'POST', '/v1/chat/completions', { messages: conversation })).status).toBe(200);
    await waitForUsage(t, tpm.agent.id, 1);
    await new Promise((r) => setTimeout(r, 100)); // the per-minute counter is bumped with the row
    const over = await socketCall(tpm.sock, 'POST', '/v1/chat/completions', { messages: conversation });
    expect(over.status).toBe(429);
    expect(JSON.parse(over.body).error.code).toBe('LLM_TOKEN_RATE_LIMITED');
  });

  it('answers 402 once a daily budget is used up', async () => {
    const { agent, sock } = await agentSocket({ model: 'fixture-small', budget: { dailyTokens: PROMPT + 3 } });
    expect((await socketCall(sock, 'POST', '/v1/chat/completions', { messages: conversation })).status).toBe(200);
    await waitForUsage(t, agent.id, 1);
    const over = await socketCall(sock, 'POST', '/v1/chat/completions', { messages: conversation, stream: true });
    expect(over.status).toBe(402);
    expect(JSON.parse(over.body).error).toMatchObject({ code: 'LLM_BUDGET_EXCEEDED', details: { period: 'daily', kind: 'tokens' } });
    const cost = await agentSocket({ model: 'fixture-small', budget: { monthlyCostMicros: 1 } });
    expect((await socketCall(cost.sock, 'POST', '/v1/chat/completions', { messages: conversation })).status).toBe(200);
    await waitForUsage(t, cost.agent.id, 1);
    const overCost = JSON.parse((await socketCall(cost.sock, 'POST', '/v1/chat/completions', { messages: conversation })).body);
    expect(overCost.error.details).toMatchObject({ period: 'monthly', kind: 'cost' });
  });

  it('maps provider failures to stable codes and still writes one row', async () => {
    const { agent, sock } = await agentSocket({ model: 'fixture-small' });
    const failed = await socketCall(sock, 'POST', '/v1/chat/completions', { messages: [{ role: 'user', content: 'x [fail]' }] });
    expect(failed.status).toBe(502);
    expect(JSON.parse(failed.body).error.code).toBe('LLM_UPSTREAM_ERROR');
    const limited = await socketCall(sock, 'POST', '/v1/chat/completions', { messages: [{ role: 'user', content: 'x [fail-429]' }], stream: true });
    expect(limited.status).toBe(429);
    expect(JSON.parse(limited.body).error.code).toBe('LLM_UPSTREAM_RATE_LIMITED');
    const rows = await waitForUsage(t, agent.id, 2);
    expect(rows.map((r) => [r.status, r.error_code])).toEqual([
      ['error', 'LLM_UPSTREAM_ERROR'],
      ['error', 'LLM_UPSTREAM_RATE_LIMITED'],
    ]);
  });

  it('records a cancelled call with the tokens streamed so far when the agent goes away mid-stream', async () => {
    const { agent, sock } = await agentSocket({ model: 'fixture-small' });
    const abortedBefore = openai.aborted;
    await new Promise<void>((resolve, reject) => {
      const payload = JSON.stringify({ messages: [{ role: 'user', content: '[slow] [long] talk' }], stream: true });
      const req = request({ socketPath: sock, method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json' } }, (res) => {
        let seen = 0;
        res.on('data', () => {
          if (++seen === 3) {
            req.destroy();
            resolve();
          }
        });
      });
      req.on('error', (e) => (e.message.includes('socket hang up') ? resolve() : reject(e)));
      req.end(payload);
    });
    const [row] = await waitForUsage(t, agent.id, 1);
    expect(row).toMatchObject({ status: 'cancelled', error_code: 'CLIENT_DISCONNECTED', streamed: true });
    expect(row!.tokens_in).toBeGreaterThan(0);
    expect(row!.tokens_out).toBeGreaterThan(0);
    expect(row!.tokens_out).toBeLessThan(200);
    // The upstream stream is cut too: nobody pays for tokens nobody reads.
    for (let i = 0; i < 100 && openai.aborted === abortedBefore; i++) await new Promise((r) => setTimeout(r, 50));
    expect(openai.aborted).toBeGreaterThan(abortedBefore);
    expect((await usageRows(t, agent.id)).length).toBe(1);
  });

  it('never passes the provider key on in errors', async () => {
    const wrongKey = 'sk-wrong-key-that-must-stay-in-pilox';
    const bad = await t.container.llm.providers.create({ id: 'test' }, { name: 'wrong-key', type: 'openai', baseUrl: openai.url, apiKey: wrongKey, isDefault: false });
    const { agent, sock } = await agentSocket({ model: 'fixture-small', providerId: bad.id });
    for (const stream of [false, true]) {
      const res = await socketCall(sock, 'POST', '/v1/chat/completions', { messages: conversation, stream });
      expect(res.status).toBe(502);
      expect(JSON.parse(res.body).error.code).toBe('LLM_UPSTREAM_AUTH_FAILED');
      expect(res.body).not.toContain(wrongKey);
    }
    expect((await waitForUsage(t, agent.id, 2)).map((r) => r.error_code)).toEqual(['LLM_UPSTREAM_AUTH_FAILED', 'LLM_UPSTREAM_AUTH_FAILED']);
  });

  it('refuses agents that are not managed and unknown paths', async () => {
    const pkg: AgentHostIdentity = { ...managedAgent(ownerId, { model: 'x' }), kind: 'package', managed: null };
    const s = await serveHostSocket(t.container.agentHostHandler, pkg);
    sockets.push(s);
    const res = await socketCall(s.path, 'POST', '/v1/chat/completions', { messages: conversation });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body).error.code).toBe('LLM_NOT_MANAGED');
    expect((await socketCall(s.path, 'GET', '/nope')).status).toBe(404);
  });
});

describe('spend guard', () => {
  it("asks billing by default: an empty wallet with the hard stop answers 402 BILLING_WALLET_EMPTY", async () => {
    const u = await createTestUser(t, 'operator');
    const set = await t.app.inject({ method: 'PUT', url: '/api/billing/limits', headers: u.headers, payload: { hardStop: true } });
    expect(set.statusCode, set.body).toBe(200);
    const agent = managedAgent(u.user.id, { model: 'fixture-small' });
    const s = await serveHostSocket(t.container.agentHostHandler, agent);
    sockets.push(s);
    const res = await socketCall(s.path, 'POST', '/v1/chat/completions', { messages: conversation });
    expect(res.status).toBe(402);
    expect(JSON.parse(res.body).error.code).toBe('BILLING_WALLET_EMPTY');
  });

  it('turns a refusal into 402 with its code', async () => {
    const t2 = await createLlmTestApp([openai.port], {
      database: t.database,
      kv: t.kv,
      env: { ENCRYPTION_KEY: t.config.ENCRYPTION_KEY },
      overrides: { spendGuard: { check: async () => ({ allowed: false, code: 'WALLET_EMPTY', message: 'Top up your wallet' }) } },
    });
    try {
      const agent = managedAgent(ownerId, { model: 'fixture-small' });
      const s = await serveHostSocket(t2.container.agentHostHandler, agent);
      sockets.push(s);
      const res = await socketCall(s.path, 'POST', '/v1/chat/completions', { messages: conversation });
      expect(res.status).toBe(402);
      expect(JSON.parse(res.body).error).toMatchObject({ code: 'WALLET_EMPTY', message: 'Top up your wallet' });
      const [row] = await waitForUsage(t2, agent.id, 1);
      expect(row).toMatchObject({ status: 'rejected', error_code: 'WALLET_EMPTY' });
    } finally {
      await t2.close();
    }
  });
});
