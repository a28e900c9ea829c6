// Interop: the official @a2a-js/sdk client, in 1.0 and 0.3 modes, against Pilox's per-agent
// endpoint in front of the echo agent (a child process on a unix socket, as sandboxed agents run).
import { TaskState, type Task } from '@a2a-js/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createTestDirectory, freePort, startEchoAgent, type ChildAgent } from '../helpers/a2a.js';
import { collect, kinds, send, textOf, userMessage, v03Client, v1Client } from './clients.js';

const INTERNAL = 'internal-token-for-a2a-tests-0123456789';
const AUTH = `Bearer ${INTERNAL}`;

describe('A2A interop with the official SDK client', () => {
  let t: TestApp;
  let echo: ChildAgent & { socketPath?: string };
  let base: string;

  beforeAll(async () => {
    echo = await startEchoAgent();
    const directory = createTestDirectory();
    directory.add({ slug: 'echo', visibility: 'instance' }, { kind: 'unix', socketPath: echo.socketPath! });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    t = await createTestApp({
      env: { AUTH_URL: base, HIVE_INTERNAL_TOKEN: INTERNAL },
      overrides: { agentDirectory: directory },
    });
    await t.app.listen({ port, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await t?.close();
    await echo?.stop();
  });

  describe('A2A 1.0', () => {
    it('resolves the per-agent card: Pilox URLs, bearer security, the agent’s own skills', async () => {
      const client = await v1Client(`${base}/a2a/agents/echo/`, AUTH);
      expect(client.protocolVersion).toBe('1.0');
      const card = await client.getAgentCard();
      expect(card.supportedInterfaces[0]).toMatchObject({ url: `${base}/a2a/agents/echo`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' });
      expect(card.skills.map((s) => s.id)).toEqual(['echo']);
      expect(card.securitySchemes.bearer?.scheme?.$case).toBe('httpAuthSecurityScheme');
      expect(card.capabilities?.streaming).toBe(true);
    });

    it('sends, streams, gets and lists', async () => {
      const client = await v1Client(`${base}/a2a/agents/echo/`, AUTH);
      const result = (await client.sendMessage(send(userMessage('hello pilox')))) as Task;
      expect(result.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
      expect(textOf(result)).toBe('hello pilox');
      expect(result.history.map((m) => m.taskId)).toEqual(result.history.map(() => result.id));

      const events = await collect(client.sendMessageStream(send(userMessage('streaming works'))));
      expect(kinds(events)).toEqual(['task', 'statusUpdate', 'artifactUpdate', 'artifactUpdate', 'artifactUpdate', 'statusUpdate']);
      const streamedTask = events[0]!.payload!.value as Task;
      const chunks = events
        .filter((e) => e.payload?.$case === 'artifactUpdate')
        .map((e) => (e.payload!.value as { artifact: { parts: { content: { value: string } }[] } }).artifact.parts[0]!.content.value);
      expect(chunks.join('')).toBe('streaming works');

      const got = await client.getTask({ tenant: '', id: streamedTask.id, historyLength: 0 });
      expect(got.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
      expect(textOf(got)).toBe('streaming works');
      expect(got.history).toEqual([]);

      const listed = await client.listTasks({
        tenant: '',
        contextId: '',
        status: TaskState.TASK_STATE_UNSPECIFIED,
        pageSize: 100,
        pageToken: '',
        statusTimestampAfter: undefined,
      });
      expect(listed.tasks.map((x) => x.id)).toEqual(expect.arrayContaining([result.id, streamedTask.id]));
    });

    it('cancels a running task and resubscribes to one', async () => {
      const client = await v1Client(`${base}/a2a/agents/echo/`, AUTH);
      const started = (await client.sendMessage(send(userMessage('wait'), { returnImmediately: true }))) as Task;
      expect([TaskState.TASK_STATE_SUBMITTED, TaskState.TASK_STATE_WORKING]).toContain(started.status?.state);

      const resubscribed = collect(client.resubscribeTask({ tenant: '', id: started.id }));
      await new Promise((r) => setTimeout(r, 200));
      const canceled = await client.cancelTask({ tenant: '', id: started.id, metadata: undefined });
      expect(canceled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
      const events = await resubscribed;
      expect(events[0]!.payload?.$case).toBe('task');
      const last = events[events.length - 1]!.payload!;
      expect(last.$case).toBe('statusUpdate');
      expect((last.value as { status: { state: TaskState } }).status.state).toBe(TaskState.TASK_STATE_CANCELED);
      expect((await client.getTask({ tenant: '', id: started.id, historyLength: undefined })).status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    });
  });

  describe('A2A 0.3', () => {
    it('resolves the 0.3 card and sends, streams, gets, cancels and resubscribes', async () => {
      const { client, rawCard } = await v03Client(`${base}/a2a/agents/echo`, AUTH);
      expect(rawCard).toMatchObject({ protocolVersion: '0.3', url: `${base}/a2a/agents/echo`, preferredTransport: 'JSONRPC' });
      expect(client.protocolVersion).toBe('0.3');

      const result = (await client.sendMessage(send(userMessage('zero three')))) as Task;
      expect(result.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
      expect(textOf(result)).toBe('zero three');

      const events = await collect(client.sendMessageStream(send(userMessage('stream 0.3'))));
      expect(kinds(events)[0]).toBe('task');
      expect(kinds(events).filter((k) => k === 'artifactUpdate')).toHaveLength(3);
      const taskId = (events[0]!.payload!.value as Task).id;
      expect(textOf(await client.getTask({ tenant: '', id: taskId, historyLength: undefined }))).toBe('stream 0.3');

      const started = (await client.sendMessage(send(userMessage('wait'), { returnImmediately: true }))) as Task;
      const resubscribed = collect(client.resubscribeTask({ tenant: '', id: started.id }));
      await new Promise((r) => setTimeout(r, 200));
      const canceled = await client.cancelTask({ tenant: '', id: started.id, metadata: undefined });
      expect(canceled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
      const sub = await resubscribed;
      expect(sub[0]!.payload?.$case).toBe('task');
      expect((sub[sub.length - 1]!.payload!.value as { status: { state: TaskState } }).status.state).toBe(TaskState.TASK_STATE_CANCELED);
    });
  });

  describe('platform endpoint', () => {
    it('routes A2A 1.0 calls by tenant, as the SDK client sends it', async () => {
      const client = await v1Client(`${base}/a2a/agents/echo/`, AUTH);
      const card = await client.getAgentCard();
      // The same client pointed at the platform endpoint with the agent as tenant.
      const platform = await v1Client(base, AUTH);
      const r = (await platform.sendMessage({ ...send(userMessage('via platform')), tenant: 'echo' })) as Task;
      expect(textOf(r)).toBe('via platform');
      expect(card.name).toBe('echo');
    });
  });
});
