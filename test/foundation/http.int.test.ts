import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { createTestApp, type TestApp } from '../helpers/app.js';
import type { App } from '../../src/http/app.js';

// A route that exists only in this test, to exercise body parsing and validation.
function echoRoute(app: App) {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/api/__echo',
    {
      config: { access: 'public' },
      schema: { body: z.object({ name: z.string().min(1).max(10), count: z.number().int().optional() }) },
    },
    async (req) => req.body,
  );
}

describe('HTTP foundation', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { METRICS_ENABLED: 'true', HTTP_BODY_LIMIT_BYTES: '2048' }, extend: echoRoute });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('GET /api/health is public and minimal', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true });
  });

  it('echoes a well-formed X-Request-Id and generates one otherwise', async () => {
    const given = await t.app.inject({ method: 'GET', url: '/api/health', headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers['x-request-id']).toBe('abc-123');
    const bad = await t.app.inject({ method: 'GET', url: '/api/health', headers: { 'x-request-id': 'no spaces allowed' } });
    expect(bad.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-z]+$/);
  });

  it('renders unknown routes in the error format', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/does-not-exist', headers: { 'x-request-id': 'r1' } });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'No route for GET /api/does-not-exist', requestId: 'r1' } });
  });

  it('answers invalid JSON with 400 INVALID_JSON', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/__echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"not json',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('INVALID_JSON');
  });

  it('answers schema violations with 400 VALIDATION_ERROR naming the field', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/__echo', payload: { name: 'way too long a name', count: 1.5 } });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.error.code).toBe('VALIDATION_ERROR');
    const fields = body.error.details.fields.map((f: { field: string }) => f.field);
    expect(fields).toContain('body.name');
    expect(fields).toContain('body.count');
    const ok = await t.app.inject({ method: 'POST', url: '/api/__echo', payload: { name: 'ok' } });
    expect(ok.json()).toEqual({ name: 'ok' });
  });

  it('answers an unsupported content type with 415', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/__echo', headers: { 'content-type': 'application/xml' }, payload: '<a/>' });
    expect(res.statusCode).toBe(415);
    expect(res.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers oversized bodies with 413 PAYLOAD_TOO_LARGE', async () => {
    t.app.log.level = 'silent';
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/__echo',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ pad: 'x'.repeat(4096) }),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('serves an OpenAPI 3.1 document describing the routes', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/api/health'].get.responses['200']).toBeDefined();
  });

  it('serves Prometheus metrics when enabled', async () => {
    await t.app.inject({ method: 'GET', url: '/api/health' });
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    expect(res.body).toMatch(/process_cpu_user_seconds_total/);
    expect(res.body).toMatch(/http_request_duration_seconds_bucket\{.*route="\/api\/health".*\}/);
  });
});

describe('metrics are off by default', () => {
  it('has no /metrics route', async () => {
    const t = await createTestApp();
    try {
      expect((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
    } finally {
      await t.close();
    }
  });
});
