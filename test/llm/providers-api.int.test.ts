// /api/settings/llm-providers: admin only, keys encrypted and never returned, one default,
// test and models calls reach the provider through the egress guard.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/lib/db/database.js';
import { startAnthropicFixture, startOpenAiFixture, type FixtureServer } from '../fixtures/openai-server/index.js';
import type { TestApp } from '../helpers/app.js';
import { createTestUser } from '../helpers/identity.js';
import { createLlmTestApp } from './llm-helpers.js';

const KEY = 'sk-fixture-secret-0123456789';
let t: TestApp;
let openai: FixtureServer;
let anthropic: FixtureServer;
let admin: Record<string, string>;
let operator: Record<string, string>;

beforeAll(async () => {
  openai = await startOpenAiFixture({ apiKey: KEY });
  anthropic = await startAnthropicFixture({ apiKey: KEY });
  t = await createLlmTestApp([openai.port, anthropic.port]);
  admin = (await createTestUser(t, 'admin')).headers;
  operator = (await createTestUser(t, 'operator')).headers;
});
afterAll(async () => {
  await t?.close();
  await openai?.close();
  await anthropic?.close();
});

const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, headers: Record<string, string>, payload?: unknown) =>
  t.app.inject({ method, url, headers, ...(payload !== undefined ? { payload: payload as object } : {}) });

describe('/api/settings/llm-providers', () => {
  it('is admin only and in the OpenAPI document', async () => {
    expect((await call('GET', '/api/settings/llm-providers', {})).statusCode).toBe(401);
    expect((await call('GET', '/api/settings/llm-providers', operator)).statusCode).toBe(403);
    const paths = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json().paths;
    expect(Object.keys(paths['/api/settings/llm-providers'])).toEqual(expect.arrayContaining(['get', 'post']));
    expect(Object.keys(paths['/api/settings/llm-providers/{id}/models'])).toEqual(['get']);
  });

  it('stores the key encrypted, never returns it, and makes the first provider the default', async () => {
    const res = await call('POST', '/api/settings/llm-providers', admin, {
      name: 'local-openai',
      type: 'openai',
      baseUrl: openai.url,
      apiKey: KEY,
      models: [{ id: 'fixture-small', inputPerMillion: 2, outputPerMillion: 8 }],
    });
    expect(res.statusCode).toBe(201);
    const p = res.json();
    expect(p).toMatchObject({ name: 'local-openai', type: 'openai', hasApiKey: true, isDefault: true });
    expect(res.body).not.toContain(KEY);
    const [row] = await queryRows<{ api_key_enc: string }>(t.database.db, sql`select api_key_enc from llm_providers where id = ${p.id}`);
    expect(row!.api_key_enc.startsWith('v1.')).toBe(true);
    expect(row!.api_key_enc).not.toContain(KEY);
    for (const url of ['/api/settings/llm-providers', `/api/settings/llm-providers/${p.id}`]) {
      expect((await call('GET', url, admin)).body).not.toContain(KEY);
    }

    const test = await call('POST', `/api/settings/llm-providers/${p.id}/test`, admin);
    expect(test.json()).toMatchObject({ ok: true, models: 2 });
    expect(openai.requests.at(-1)!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect((await call('GET', `/api/settings/llm-providers/${p.id}/models`, admin)).json()).toEqual({ items: ['fixture-small', 'fixture-large'] });

    // A wrong key is reported, not thrown.
    await call('PATCH', `/api/settings/llm-providers/${p.id}`, admin, { apiKey: 'sk-wrong' });
    const bad = (await call('POST', `/api/settings/llm-providers/${p.id}/test`, admin)).json();
    expect(bad).toMatchObject({ ok: false, error: { code: 'LLM_UPSTREAM_AUTH_FAILED' } });
    await call('PATCH', `/api/settings/llm-providers/${p.id}`, admin, { apiKey: KEY });
  });

  it('keeps one default and talks to Anthropic with its own headers', async () => {
    const res = await call('POST', '/api/settings/llm-providers', admin, { name: 'local-anthropic', type: 'anthropic', baseUrl: anthropic.url, apiKey: KEY, isDefault: true });
    expect(res.statusCode).toBe(201);
    const list = (await call('GET', '/api/settings/llm-providers', admin)).json().items as { name: string; isDefault: boolean }[];
    expect(list.filter((p) => p.isDefault).map((p) => p.name)).toEqual(['local-anthropic']);
    expect((await call('GET', `/api/settings/llm-providers/${res.json().id}/models`, admin)).json()).toEqual({ items: ['claude-fixture'] });
    const last = anthropic.requests.at(-1)!;
    expect(last.headers['x-api-key']).toBe(KEY);
    expect(last.headers['anthropic-version']).toBeTruthy();
  });

  it('refuses duplicates, bad input and URLs the egress guard forbids; deletes', async () => {
    const dup = await call('POST', '/api/settings/llm-providers', admin, { name: 'local-openai', type: 'openai', baseUrl: openai.url });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.code).toBe('LLM_PROVIDER_EXISTS');
    expect((await call('POST', '/api/settings/llm-providers', admin, { name: 'x', type: 'cohere', baseUrl: openai.url })).statusCode).toBe(400);
    const blocked = await call('POST', '/api/settings/llm-providers', admin, { name: 'meta', type: 'openai', baseUrl: 'http://169.254.169.254/v1' });
    expect(blocked.statusCode).toBe(400);
    expect(blocked.json().error.code).toBe('EGRESS_BLOCKED');
    const created = (await call('POST', '/api/settings/llm-providers', admin, { name: 'tmp', type: 'openai', baseUrl: 'https://api.openai.com/v1' })).json();
    expect((await call('DELETE', `/api/settings/llm-providers/${created.id}`, admin)).statusCode).toBe(204);
    expect((await call('GET', `/api/settings/llm-providers/${created.id}`, admin)).statusCode).toBe(404);
  });
});
