// End to end on the sandbox runtime: a provider with a secret key → a managed agent (the bundled
// runner in bubblewrap) → started → streamed chat through the A2A gateway → a usage row with the
// right tokens → budget used up → 402 as a failed task → the key is nowhere in the sandbox's
// environment, files or logs.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/lib/db/database.js';
import { createSandboxDriver } from '../../src/runtime/sandbox-driver.js';
import { promptTokens, startOpenAiFixture, type FixtureServer } from '../fixtures/openai-server/index.js';
import type { TestApp } from '../helpers/app.js';
import { createTestUser, type TestUser } from '../helpers/identity.js';
import { rpc, sendMessage, V1 } from '../a2a/rpc.js';
import { createLlmTestApp, waitForUsage } from './llm-helpers.js';

const sandbox = await createSandboxDriver({ uid: 65534 }).available();
if (!sandbox.available) console.warn(`managed-agent e2e on the sandbox runtime skipped: ${sandbox.reason}`);

const KEY = 'sk-e2e-provider-key-9f8e7d6c5b4a';

function filesUnder(dir: string): string[] {
  let out: string[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = join(dir, e);
    const st = statSync(p, { throwIfNoEntry: false });
    if (st?.isDirectory()) out = out.concat(filesUnder(p));
    else if (st?.isFile()) out.push(p);
  }
  return out;
}

/** Environments of every process started for this agent (the sandbox and the runner inside it). */
function agentEnvironments(agentId: string): string[] {
  const envs: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const env = readFileSync(`/proc/${pid}/environ`, 'latin1');
      if (env.includes(agentId)) envs.push(env);
    } catch {
      // gone or not ours
    }
  }
  return envs;
}

interface Sse {
  event: string;
  data: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}
const parseSse = (body: string): Sse[] =>
  body
    .split('\n\n')
    .map((b) => ({ event: /^event: (.+)$/m.exec(b)?.[1] ?? '', data: JSON.parse(/^data: (.+)$/m.exec(b)?.[1] ?? 'null') }))
    .filter((e) => e.event);

describe.skipIf(!sandbox.available)('managed agent in the sandbox', () => {
  let t: TestApp;
  let openai: FixtureServer;
  let admin: TestUser;
  let op: TestUser;

  beforeAll(async () => {
    openai = await startOpenAiFixture({ apiKey: KEY });
    t = await createLlmTestApp([openai.port]);
    [admin, op] = await Promise.all([createTestUser(t, 'admin'), createTestUser(t, 'operator')]);
    const p = await t.app.inject({
      method: 'POST',
      url: '/api/settings/llm-providers',
      headers: admin.headers,
      payload: { name: 'e2e', type: 'openai', baseUrl: openai.url, apiKey: KEY, models: [{ id: 'fixture-small', inputPerMillion: 1, outputPerMillion: 4 }] },
    });
    expect(p.statusCode, p.body).toBe(201);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await openai?.close();
  });

  it('chats, meters, stops at the budget, and never lets the key into the sandbox', async () => {
    const convo = [{ role: 'system', text: 'Answer briefly.' }, { role: 'user', text: 'hello sandbox' }];
    const budget = promptTokens(convo) + 3; // the first answer uses it up exactly
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/agents',
      headers: op.headers,
      payload: { slug: 'e2e-managed', name: 'Managed', kind: 'managed', runtime: 'sandbox', visibility: 'private', managed: { model: 'fixture-small', systemPrompt: 'Answer briefly.', budget: { dailyTokens: budget } } },
    });
    expect(created.statusCode, created.body).toBe(201);
    const { id } = created.json() as { id: string };
    const started = await t.app.inject({ method: 'POST', url: `/api/agents/${id}/start`, headers: op.headers });
    expect(started.json(), started.body).toMatchObject({ status: 'ready', runtime: 'sandbox' });

    const chat = await t.app.inject({ method: 'POST', url: `/api/agents/${id}/chat`, headers: op.headers, payload: { message: 'hello sandbox' } });
    expect(chat.statusCode, chat.body).toBe(200);
    const events = parseSse(chat.body);
    expect(events.filter((e) => e.event === 'token').map((e) => e.data.text).join('')).toBe('Echo: hello sandbox');
    expect(events.at(-1)!.data.message).toMatchObject({ status: 'completed', tokensIn: promptTokens(convo), tokensOut: 3, model: 'fixture-small' });
    expect(openai.requests.at(-1)!.headers.authorization).toBe(`Bearer ${KEY}`);

    const [row] = await waitForUsage(t, id, 1);
    expect(row).toMatchObject({ owner_id: op.user.id, model: 'fixture-small', tokens_in: promptTokens(convo), tokens_out: 3, status: 'ok', streamed: true });
    expect(Number(row!.cost_micros)).toBe(promptTokens(convo) * 1 + 3 * 4);

    // Budget used up: the gateway answers 402, the runner fails the task with the code.
    const refused = await rpc(t, '/a2a/agents/e2e-managed', sendMessage('again'), { ...V1, authorization: op.headers.authorization });
    expect(refused.status, refused.raw).toBe(200);
    const task = refused.body.result!.task as { status: { state: string; message: { parts: { text: string }[] } } };
    expect(task.status.state).toBe('TASK_STATE_FAILED');
    expect(task.status.message.parts[0]!.text).toMatch(/^LLM_BUDGET_EXCEEDED: /);
    const rows = await waitForUsage(t, id, 2);
    expect(rows.at(-1)).toMatchObject({ status: 'rejected', error_code: 'LLM_BUDGET_EXCEEDED' });

    // The key is in Pilox only: not in the sandbox's processes, its files, or its logs.
    const envs = agentEnvironments(id);
    expect(envs.length).toBeGreaterThan(0);
    for (const env of envs) expect(env).not.toContain(KEY);
    const files = [...filesUnder(join(t.config.dataDir, 'agents', id))];
    expect(files.length).toBeGreaterThan(0); // the conversation the runner keeps
    for (const f of files) expect(readFileSync(f, 'latin1'), f).not.toContain(KEY);
    const logs = await t.app.inject({ method: 'GET', url: `/api/agents/${id}/logs?tail=1000`, headers: op.headers });
    expect(logs.statusCode).toBe(200);
    expect(logs.body).not.toContain(KEY);

    expect((await t.app.inject({ method: 'POST', url: `/api/agents/${id}/stop`, headers: op.headers })).json()).toMatchObject({ status: 'stopped' });

    // Deleting the agent deletes its conversations; its usage stays (billing and reports need it).
    expect((await t.app.inject({ method: 'GET', url: `/api/agents/${id}/conversations`, headers: op.headers })).json().items).toHaveLength(1);
    expect((await t.app.inject({ method: 'DELETE', url: `/api/agents/${id}`, headers: op.headers })).statusCode).toBe(204);
    expect(await queryRows(t.database.db, sql`select id from conversations where agent_id = ${id}`)).toEqual([]);
    expect((await waitForUsage(t, id, 2)).length).toBe(2);
  }, 120_000);
});
