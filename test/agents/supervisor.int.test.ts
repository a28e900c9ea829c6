// The supervisor: restart policy with backoff, agents left by a killed Pilox restarted cleanly
// (never duplicated), status transitions published on hive:agent:status.
import { hostname } from 'node:os';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS, type BusEvent } from '../../src/lib/events/event-bus.js';
import { agents } from '../../src/modules/agents/agents.tables.js';
import { pidAlive } from '../../src/runtime/proc.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createTestUser, type TestUser } from '../helpers/identity.js';
import { echoPackage, scriptPackage, upload, waitFor } from './helpers.js';

let t: TestApp;
let op: TestUser;
const events: BusEvent[] = [];
let unsubscribe: () => Promise<void>;

beforeAll(async () => {
  t = await createTestApp({ startDaemons: true, overrides: { agentSupervisorIntervalMs: 250 } });
  op = await createTestUser(t, 'operator');
  unsubscribe = await t.container.events.subscribe(CHANNELS.agentStatus, (e) => void events.push(e));
});
afterAll(async () => {
  await unsubscribe?.();
  await t?.close();
});

async function createPackageAgent(slug: string, pkg: Buffer, extra: Record<string, unknown> = {}) {
  const res = await t.app.inject({ method: 'POST', url: '/api/agents', headers: op.headers, payload: { slug, name: slug, kind: 'package', ...extra } });
  expect(res.statusCode, res.body).toBe(201);
  const { id } = res.json() as { id: string };
  expect((await upload(t, op.headers.authorization, id, pkg)).statusCode).toBe(200);
  return id;
}

const row = async (id: string) => (await t.container.db.select().from(agents).where(eq(agents.id, id)))[0]!;

describe('agent supervisor', () => {
  it('restarts a crashing agent under on-failure, with backoff, and publishes each transition', async () => {
    const id = await createPackageAgent('sv-crash', await scriptPackage('setTimeout(() => process.exit(4), 100);\n'), { restartPolicy: 'on-failure' });
    await t.app.inject({ method: 'POST', url: `/api/agents/${id}/start`, headers: op.headers });
    const after = await waitFor(() => row(id), (r) => r.restartCount >= 2, 60_000);
    expect(after.restartCount).toBeGreaterThanOrEqual(2);
    expect(after.lastExitCode === 4 || after.status === 'starting').toBe(true);
    const mine = events.filter((e) => (e.data as { agentId: string }).agentId === id).map((e) => (e.data as { status: string }).status);
    expect(mine).toEqual(expect.arrayContaining(['starting', 'error']));
    expect(events[0]).toMatchObject({ type: 'agent.status', meshMeta: { v: 1 } });
    await t.app.inject({ method: 'POST', url: `/api/agents/${id}/stop`, headers: op.headers });
    const stopped = await row(id);
    expect(stopped).toMatchObject({ status: 'stopped', desiredState: 'stopped' });
  });

  it('leaves a crashed agent in error under the never policy', async () => {
    const id = await createPackageAgent('sv-never', await scriptPackage('process.exit(5);\n'), { restartPolicy: 'never' });
    await t.app.inject({ method: 'POST', url: `/api/agents/${id}/start`, headers: op.headers });
    await waitFor(() => row(id), (r) => r.status === 'error');
    await new Promise((r) => setTimeout(r, 1500));
    expect(await row(id)).toMatchObject({ status: 'error', lastExitCode: 5, restartCount: 0 });
  });

  it('restarts an agent that exits cleanly under the always policy', async () => {
    const id = await createPackageAgent('sv-always', await scriptPackage('setTimeout(() => process.exit(0), 100);\n'), { restartPolicy: 'always' });
    await t.app.inject({ method: 'POST', url: `/api/agents/${id}/start`, headers: op.headers });
    const after = await waitFor(() => row(id), (r) => r.restartCount >= 1, 60_000);
    expect(after.restartCount).toBeGreaterThanOrEqual(1);
    await t.app.inject({ method: 'POST', url: `/api/agents/${id}/stop`, headers: op.headers });
    expect(await row(id)).toMatchObject({ status: 'stopped', desiredState: 'stopped' });
  });

  it('restarts cleanly an agent a killed Pilox left running: the old instance is gone, one new instance is ready', async () => {
    const id = await createPackageAgent('sv-adopt', await echoPackage());
    const started = await t.app.inject({ method: 'POST', url: `/api/agents/${id}/start`, headers: op.headers });
    expect(started.json()).toMatchObject({ status: 'ready' });
    const before = await row(id);
    const oldPid = Number(before.instance!.id);
    expect(pidAlive(oldPid)).toBe(true);
    // As if another Pilox process, now dead, had started it.
    await t.container.db.update(agents).set({ instanceHost: `${hostname()}/2147483000/1` }).where(eq(agents.id, id));
    const after = await waitFor(() => row(id), (r) => r.instance !== null && r.instance.id !== before.instance!.id && r.status === 'ready', 60_000);
    expect(after.status).toBe('ready');
    expect(pidAlive(oldPid)).toBe(false);
    const call = await t.app.inject({ method: 'GET', url: `/a2a/agents/sv-adopt/.well-known/agent-card.json`, headers: op.headers });
    expect(call.statusCode).toBe(200);
    await t.app.inject({ method: 'POST', url: `/api/agents/${id}/stop`, headers: op.headers });
    expect(pidAlive(Number(after.instance!.id))).toBe(false);
  });
});
