// Two Pilox replicas sharing the database and Redis (the embedded run shares PGlite and the
// in-process Kv between two app instances): streams of the same task opened on both receive the
// same events in the same order, and a cancel on one replica ends the task started on the other.
import { StreamResponse, TaskState, type Task } from '@a2a-js/sdk';
import type { Client } from '@a2a-js/sdk/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/db/database.js';
import type { Kv } from '../../src/lib/kv/kv.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createTestDirectory, freePort, startEchoAgent, type ChildAgent } from '../helpers/a2a.js';
import { createTestDatabase, createTestKv, usingRealServers } from '../helpers/stores.js';
import { collect, send, userMessage, v1Client } from './clients.js';
import { inject } from 'vitest';

const INTERNAL = 'internal-token-for-a2a-tests-0123456789';
const AUTH = `Bearer ${INTERNAL}`;

const wire = (events: StreamResponse[]) => events.map((e) => JSON.stringify(StreamResponse.toJSON(e)));
/**
 * From the first artifact on. A resubscription made while the task is still being set up may
 * or may not see its WORKING update, depending on when it lands; every event after that (the
 * echo agent waits 700 ms before each chunk) must be the same, in the same order, everywhere.
 */
const fromFirstArtifact = (events: StreamResponse[]) => events.slice(Math.max(0, events.findIndex((e) => e.payload?.$case === 'artifactUpdate')));

describe('A2A across two replicas', () => {
  let database: Database;
  let kv: Kv & { prefix: string | null };
  let echo: ChildAgent & { socketPath?: string };
  const replicas: { t: TestApp; base: string }[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    kv = await createTestKv();
    echo = await startEchoAgent();
    const directory = createTestDirectory();
    directory.add({ slug: 'echo' }, { kind: 'unix', socketPath: echo.socketPath! });
    // Real servers: tasks in Redis (the production default); embedded: in the shared database.
    const storeEnv: Record<string, string> = usingRealServers().redis
      ? { REDIS_URL: inject('redisUrl')!, REDIS_KEY_PREFIX: kv.prefix!, A2A_TASK_STORE: 'redis' }
      : { A2A_TASK_STORE: 'postgres' };
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const t = await createTestApp({
        database,
        kv,
        env: { AUTH_URL: base, HIVE_INTERNAL_TOKEN: INTERNAL, ...storeEnv },
        overrides: { agentDirectory: directory },
      });
      await t.app.listen({ port, host: '127.0.0.1' });
      replicas.push({ t, base });
    }
  });
  afterAll(async () => {
    for (const r of replicas) await r.t.close();
    await echo?.stop();
    await kv?.close();
    await database?.close();
  });

  const clientOf = (i: number): Promise<Client> => v1Client(`${replicas[i]!.base}/a2a/agents/echo/`, AUTH);

  it('shares the task store', () => {
    expect(replicas[0]!.t.config.A2A_TASK_STORE).toBe(replicas[1]!.t.config.A2A_TASK_STORE);
  });

  it('delivers the same events in the same order to streams on both replicas', async () => {
    const [one, two] = [await clientOf(0), await clientOf(1)];
    const origin = one.sendMessageStream(send(userMessage('same events everywhere', { metadata: { 'echo.delayMs': 700, 'echo.chunks': 3 } })));
    const first = await origin.next();
    const task = (first.value as StreamResponse).payload!.value as Task;
    const rest = collect(origin);

    // Subscribed on the executing replica and on the other one, before the next event.
    const [here, there] = await Promise.all([collect(one.resubscribeTask({ tenant: '', id: task.id })), collect(two.resubscribeTask({ tenant: '', id: task.id }))]);
    const originEvents = await rest;

    expect(here[0]!.payload?.$case).toBe('task');
    expect(there[0]!.payload?.$case).toBe('task');
    const hereTail = wire(fromFirstArtifact(here.slice(1)));
    const thereTail = wire(fromFirstArtifact(there.slice(1)));
    expect(thereTail).toEqual(hereTail);
    // …and they are what the stream that started the task saw, in the same order.
    expect(hereTail.length).toBeGreaterThanOrEqual(4); // three chunks and the final state
    expect(wire(originEvents).slice(-hereTail.length)).toEqual(hereTail);
    const last = there[there.length - 1]!.payload!;
    expect((last.value as { status: { state: TaskState } }).status.state).toBe(TaskState.TASK_STATE_COMPLETED);
    // The stored task is the same through either replica.
    const viaTwo = await two.getTask({ tenant: '', id: task.id, historyLength: undefined });
    expect(viaTwo.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
  }, 30_000);

  it('cancels on one replica a task that runs on the other; both streams end canceled', async () => {
    const [one, two] = [await clientOf(0), await clientOf(1)];
    const origin = one.sendMessageStream(send(userMessage('wait')));
    const task = ((await origin.next()).value as StreamResponse).payload!.value as Task;
    const originRest = collect(origin);
    const remote = collect(two.resubscribeTask({ tenant: '', id: task.id }));
    await new Promise((r) => setTimeout(r, 300));
    const canceled = await two.cancelTask({ tenant: '', id: task.id, metadata: undefined });
    expect(canceled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    for (const events of [await originRest, await remote]) {
      const last = events[events.length - 1]!.payload!;
      expect(last.$case).toBe('statusUpdate');
      expect((last.value as { status: { state: TaskState } }).status.state).toBe(TaskState.TASK_STATE_CANCELED);
    }
    expect((await one.getTask({ tenant: '', id: task.id, historyLength: 0 })).status?.state).toBe(TaskState.TASK_STATE_CANCELED);
  }, 30_000);
});
