// GET /api/mesh/events is open to operators: agent status events of another owner's agents
// (slug, owner, exit reasons) must not reach them; admins still see every event.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS } from '../../src/lib/events/event-bus.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createTestUser, type TestUser } from '../helpers/identity.js';
import { readSse } from './sse.js';

describe('mesh events: agent status per owner', () => {
  let t: TestApp;
  let base: string;
  let op: TestUser;
  let other: TestUser;
  let admin: TestUser;

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
    [op, other, admin] = await Promise.all([createTestUser(t, 'operator'), createTestUser(t, 'operator'), createTestUser(t, 'admin')]);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  const status = (ownerId: string, slug: string) => ({ agentId: crypto.randomUUID(), slug, ownerId, status: 'error', previous: 'ready', exitCode: 1, reason: 'secret-ish detail' });

  async function firstEvent(u: TestUser) {
    const ac = new AbortController();
    const res = await fetch(`${base}/api/mesh/events?channel=agentStatus`, { headers: { ...u.headers, accept: 'text/event-stream' }, signal: ac.signal });
    expect(res.status).toBe(200);
    const sse = readSse(res);
    await sse.waitForComment('subscribed');
    return { next: () => sse.next(), close: () => ac.abort() };
  }

  it('an operator sees only their own agents; an admin sees all', async () => {
    const mine = await firstEvent(op);
    const all = await firstEvent(admin);
    await t.container.events.publish(CHANNELS.agentStatus, 'agent.status', status(other.user.id, 'others-private'));
    await t.container.events.publish(CHANNELS.agentStatus, 'agent.status', status(op.user.id, 'my-agent'));
    expect(JSON.parse((await mine.next()).data).data.slug).toBe('my-agent');
    expect(JSON.parse((await all.next()).data).data.slug).toBe('others-private');
    mine.close();
    all.close();
  }, 60_000);
});
