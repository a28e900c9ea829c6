// One contract for every task store (ARCHITECTURE rule 9): memory, Postgres (and PGlite), Redis.
import { randomUUID } from 'node:crypto';
import { Task, TaskState, type ListTasksRequest } from '@a2a-js/sdk';
import { ServerCallContext } from '@a2a-js/sdk/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setScope, type A2aScope, type PiloxTaskStore } from './task-store.js';

export function ctxFor(scope: A2aScope): ServerCallContext {
  const c = new ServerCallContext();
  setScope(c, scope);
  return c;
}

export function makeTask(over: { id?: string; contextId?: string; state?: TaskState; at?: string; text?: string } = {}): Task {
  return Task.fromJSON({
    id: over.id ?? randomUUID(),
    contextId: over.contextId ?? 'ctx-1',
    status: { state: TaskState[over.state ?? TaskState.TASK_STATE_WORKING], timestamp: over.at ?? new Date().toISOString() },
    history: [{ messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text: over.text ?? 'hello' }] }],
    artifacts: [{ artifactId: 'a1', parts: [{ text: 'out' }, { raw: Buffer.from('bytes').toString('base64'), mediaType: 'application/octet-stream' }] }],
    metadata: { k: 'v' },
  });
}

const list = (over: Partial<ListTasksRequest> = {}): ListTasksRequest => ({
  tenant: '',
  contextId: '',
  status: TaskState.TASK_STATE_UNSPECIFIED,
  pageSize: 50,
  pageToken: '',
  statusTimestampAfter: undefined,
  ...over,
});

export function describeTaskStoreContract(name: string, open: () => Promise<PiloxTaskStore>): void {
  describe(`task store contract: ${name}`, () => {
    let store: PiloxTaskStore;
    const agent = `agent-${randomUUID().slice(0, 8)}`;
    const alice = ctxFor({ agentId: agent, ownerId: 'alice', admin: false });
    const bob = ctxFor({ agentId: agent, ownerId: 'bob', admin: false });
    const admin = ctxFor({ agentId: agent, ownerId: 'root', admin: true });
    const otherAgent = ctxFor({ agentId: `${agent}-other`, ownerId: 'alice', admin: false });

    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store?.close();
    });

    it('round-trips a task, including binary parts and metadata', async () => {
      const task = makeTask();
      await store.save(task, alice);
      const loaded = await store.load(task.id, alice);
      expect(Task.toJSON(loaded!)).toEqual(Task.toJSON(task));
      expect(Buffer.from(loaded!.artifacts[0]!.parts[1]!.content!.value as Buffer).toString()).toBe('bytes');
    });

    it('returns a copy, not a shared object', async () => {
      const task = makeTask();
      await store.save(task, alice);
      const a = await store.load(task.id, alice);
      a!.metadata = { changed: true };
      expect((await store.load(task.id, alice))!.metadata).toEqual({ k: 'v' });
    });

    it('hides a task from other owners and other agents, not from admins', async () => {
      const task = makeTask();
      await store.save(task, alice);
      expect(await store.load(task.id, bob)).toBeUndefined();
      expect(await store.load(task.id, otherAgent)).toBeUndefined();
      expect((await store.load(task.id, admin))?.id).toBe(task.id);
      expect(await store.load('no-such-task', alice)).toBeUndefined();
    });

    it('refuses to let another owner overwrite a task, keeps the owner when an admin updates it', async () => {
      const task = makeTask({ text: 'original' });
      await store.save(task, alice);
      const forged = makeTask({ id: task.id, text: 'forged' });
      await expect(store.save(forged, bob)).rejects.toThrow(/not found/i);
      await expect(store.save(forged, otherAgent)).rejects.toThrow(/not found/i);
      const byAdmin = makeTask({ id: task.id, state: TaskState.TASK_STATE_CANCELED, text: 'original' });
      await store.save(byAdmin, admin);
      const loaded = await store.load(task.id, alice);
      expect(loaded?.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
      expect(await store.load(task.id, bob)).toBeUndefined();
    });

    it('keeps the agent-side ids and scopes them like the task', async () => {
      const task = makeTask({ contextId: 'ctx-up' });
      const c = ctxFor({ agentId: agent, ownerId: 'alice', admin: false, upstream: { taskId: 'up-task', contextId: 'up-ctx' } });
      await store.save(task, c);
      await store.save(task, alice); // a later save without upstream ids keeps them
      expect(await store.getUpstream(task.id, alice)).toEqual({ taskId: 'up-task', contextId: 'up-ctx' });
      expect(await store.getUpstream(task.id, bob)).toBeUndefined();
      expect(await store.findUpstreamContextId('ctx-up', alice)).toBe('up-ctx');
      expect(await store.findUpstreamContextId('ctx-up', bob)).toBeUndefined();
      expect(await store.findUpstreamContextId('ctx-none', alice)).toBeUndefined();
    });

    it('lists only the caller’s tasks, newest first, with filters, totals and pages', async () => {
      const owner = `lister-${randomUUID().slice(0, 6)}`;
      const me = ctxFor({ agentId: agent, ownerId: owner, admin: false });
      const base = Date.parse('2030-01-01T00:00:00.000Z');
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const t = makeTask({
          contextId: i % 2 === 0 ? 'even' : 'odd',
          state: i === 4 ? TaskState.TASK_STATE_COMPLETED : TaskState.TASK_STATE_WORKING,
          at: new Date(base + i * 1000).toISOString(),
        });
        ids.push(t.id);
        await store.save(t, me);
      }
      const all = await store.list(list(), me);
      expect(all.totalSize).toBe(5);
      expect(all.tasks.map((t) => t.id)).toEqual([...ids].reverse());
      expect(all.nextPageToken).toBe('');
      expect(all.tasks[0]!.artifacts).toEqual([]);

      const withArtifacts = await store.list(list({ includeArtifacts: true, pageSize: 1 }), me);
      expect(withArtifacts.tasks[0]!.artifacts.length).toBe(1);

      const p1 = await store.list(list({ pageSize: 2 }), me);
      expect(p1.tasks.map((t) => t.id)).toEqual([ids[4], ids[3]]);
      expect(p1.totalSize).toBe(5);
      const p2 = await store.list(list({ pageSize: 2, pageToken: p1.nextPageToken }), me);
      expect(p2.tasks.map((t) => t.id)).toEqual([ids[2], ids[1]]);
      const p3 = await store.list(list({ pageSize: 2, pageToken: p2.nextPageToken }), me);
      expect(p3.tasks.map((t) => t.id)).toEqual([ids[0]]);
      expect(p3.nextPageToken).toBe('');

      expect((await store.list(list({ contextId: 'odd' }), me)).tasks.map((t) => t.id)).toEqual([ids[3], ids[1]]);
      expect((await store.list(list({ status: TaskState.TASK_STATE_COMPLETED }), me)).tasks.map((t) => t.id)).toEqual([ids[4]]);
      const after = await store.list(list({ statusTimestampAfter: new Date(base + 2500).toISOString() }), me);
      expect(after.tasks.map((t) => t.id)).toEqual([ids[4], ids[3]]);
      await expect(store.list(list({ pageToken: 'garbage!' }), me)).rejects.toThrow(/pageToken/);

      const others = await store.list(list(), ctxFor({ agentId: agent, ownerId: `${owner}-x`, admin: false }));
      expect(others.totalSize).toBe(0);
      const asAdmin = await store.list(list({ pageSize: 100 }), admin);
      expect(asAdmin.tasks.map((t) => t.id)).toEqual(expect.arrayContaining(ids));
    });
  });
}
