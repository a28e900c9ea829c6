// The signed mesh bus inside the real app: with MESH_BUS_HMAC_SECRET, in-app subscribers only
// see signed events, drops are counted in pilox_mesh_bus_rejected_total, and operators watch
// the verified stream on GET /api/mesh/events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS, type BusEvent } from '../../src/lib/events/event-bus.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createTestUser } from '../helpers/identity.js';
import { readSse } from './sse.js';

const SECRET = 'mesh-bus-secret-for-tests-0123456789abcdef';

describe('signed mesh bus', () => {
  let t: TestApp;
  let base: string;

  beforeAll(async () => {
    t = await createTestApp({ env: { MESH_BUS_HMAC_SECRET: SECRET } });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const addr = t.app.server.address() as { port: number };
    base = `http://127.0.0.1:${addr.port}`;
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  async function rejectedCount(reason: string): Promise<number> {
    const m = await t.container.metrics.getSingleMetric('pilox_mesh_bus_rejected_total')!.get();
    return m.values.filter((v) => v.labels.reason === reason && v.labels.channel === CHANNELS.system).reduce((a, v) => a + v.value, 0);
  }

  it('documents the mesh routes in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    for (const path of ['/api/mesh/events', '/api/mesh/federation/status', '/api/mesh/federation/directory', '/api/mesh/federation/proxy/jsonrpc', '/api/mesh/wan/ingress']) {
      expect(doc.paths[path], path).toBeDefined();
    }
    expect(JSON.stringify(doc.paths['/api/mesh/wan/ingress'].post.requestBody)).toContain('wan-envelope-v1');
  });

  it('drops and counts unsigned and forged messages; signed ones reach subscribers', async () => {
    const seen: BusEvent[] = [];
    const off = await t.container.events.subscribe(CHANNELS.system, (e) => {
      if (e.type.startsWith('test.')) seen.push(e);
    });
    const unsignedBefore = await rejectedCount('unsigned');
    const badBefore = await rejectedCount('bad_signature');
    const meta = { v: 1, producer: 'intruder', eventId: 'evt-1', ts: new Date().toISOString() };
    await t.kv.publish(CHANNELS.system, JSON.stringify({ type: 'test.unsigned', data: {}, meshMeta: meta }));
    await t.kv.publish(CHANNELS.system, JSON.stringify({ type: 'test.forged', data: {}, meshMeta: meta, meshSig: 'AAAA' }));
    const sent = await t.container.events.publish(CHANNELS.system, 'test.signed', { ok: true }, { correlationId: 'req-42' });
    expect(sent.meshSig).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await expect.poll(() => seen.length, { timeout: 10_000 }).toBe(1);
    expect(seen[0]!.type).toBe('test.signed');
    expect(seen[0]!.meshMeta.correlationId).toBe('req-42');
    // Each in-app subscriber (settings listener, this test) verifies and counts on its own.
    await expect.poll(() => rejectedCount('unsigned'), { timeout: 10_000 }).toBeGreaterThan(unsignedBefore);
    await expect.poll(() => rejectedCount('bad_signature'), { timeout: 10_000 }).toBeGreaterThan(badBefore);
    await off();
  });

  it('streams verified events to operators over SSE, and refuses viewers', async () => {
    const viewer = await createTestUser(t, 'viewer');
    const denied = await t.app.inject({ method: 'GET', url: '/api/mesh/events', headers: viewer.headers });
    expect(denied.statusCode).toBe(403);

    const operator = await createTestUser(t, 'operator');
    const ac = new AbortController();
    const plain = await t.app.inject({ method: 'GET', url: '/api/mesh/events', headers: operator.headers });
    expect(plain.statusCode).toBe(406);
    const res = await fetch(`${base}/api/mesh/events?channel=system&type=test.sse`, {
      headers: { ...operator.headers, accept: 'text/event-stream' },
      signal: ac.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const sse = readSse(res);
    await sse.waitForComment('subscribed');
    await t.kv.publish(CHANNELS.system, JSON.stringify({ type: 'test.sse.unsigned', data: {}, meshMeta: { v: 1, producer: 'x', eventId: 'e', ts: 'now' } }));
    await t.container.events.publish(CHANNELS.system, 'test.other', {});
    await t.container.events.publish(CHANNELS.system, 'test.sse.hello', { n: 1 });
    const ev = await sse.next();
    expect(ev.event).toBe('test.sse.hello');
    expect(JSON.parse(ev.data)).toMatchObject({ channel: CHANNELS.system, type: 'test.sse.hello', data: { n: 1 } });
    expect(JSON.parse(ev.data).meshSig).toBeUndefined();
    ac.abort();
  });
});
