// A remote agent built with @a2a-js/sdk's server, running as its own process, imported by its
// card URL and called through Pilox — only ever through the (injected) egress guard.
import { join } from 'node:path';
import { TaskState, type Task } from '@a2a-js/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/lib/paths.js';

import { createTestApp, type TestApp } from '../helpers/app.js';
import { createTestDirectory, freePort, startAgentProcess, type ChildAgent } from '../helpers/a2a.js';
import { collect, kinds, send, textOf, userMessage, v03Client, v1Client } from './clients.js';

const INTERNAL = 'internal-token-for-a2a-tests-0123456789';
const AUTH = `Bearer ${INTERNAL}`;

describe('remote agent imported by its card URL', () => {
  let t: TestApp;
  let remote: ChildAgent;
  let base: string;
  const egressLog: { url: string; allowed: boolean }[] = [];

  beforeAll(async () => {
    remote = await startAgentProcess(['--import', 'tsx', join(packageRoot, 'test/fixtures/sdk-remote-agent/server.ts')], { PORT: '0' });
    const directory = createTestDirectory();
    directory.add({ slug: 'remote' }, { kind: 'remote', url: `${remote.address}/.well-known/agent-card.json` });
    const port = new URL(remote.address).port;
    directory.add({ slug: 'blocked' }, { kind: 'remote', url: `http://localhost:${port}/.well-known/agent-card.json` });
    const piloxPort = await freePort();
    base = `http://127.0.0.1:${piloxPort}`;
    // The real egress guard: only the remote agent's host:port is allowlisted.
    const remoteUrl = new URL(remote.address);
    t = await createTestApp({
      env: {
        AUTH_URL: base,
        HIVE_INTERNAL_TOKEN: INTERNAL,
        HIVE_EGRESS_FETCH_HOST_ALLOWLIST: remoteUrl.hostname,
        HIVE_EGRESS_FETCH_ALLOWED_PORTS: remoteUrl.port,
      },
      overrides: { agentDirectory: directory },
    });
    // Record what goes through the guard (a spy around the real guard, which still decides).
    const guard = t.container.egress;
    const guardedFetch = guard.fetch.bind(guard);
    guard.fetch = async (input, init) => {
      const url = String(input);
      try {
        const res = await guardedFetch(input, init);
        egressLog.push({ url, allowed: true });
        return res;
      } catch (err) {
        egressLog.push({ url, allowed: false });
        throw err;
      }
    };
    await t.app.listen({ port: piloxPort, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await t?.close();
    await remote?.stop();
  });

  it('lists the remote agent’s skills on Pilox’s card for it', async () => {
    const client = await v1Client(`${base}/a2a/agents/remote/`, AUTH);
    const card = await client.getAgentCard();
    expect(card.skills.map((s) => s.id)).toEqual(['remote-echo']);
    expect(card.supportedInterfaces[0]!.url).toBe(`${base}/a2a/agents/remote`);
  });

  it('forwards 1.0 and 0.3 calls, relaying every event, through the egress guard', async () => {
    const before = egressLog.length;
    const client = await v1Client(`${base}/a2a/agents/remote/`, AUTH);
    const task = (await client.sendMessage(send(userMessage('over the wire')))) as Task;
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(textOf(task)).toBe('remote: over the wire');

    const events = await collect(client.sendMessageStream(send(userMessage('streamed'))));
    expect(kinds(events)).toEqual(['task', 'statusUpdate', 'artifactUpdate', 'statusUpdate']);

    const { client: old } = await v03Client(`${base}/a2a/agents/remote`, AUTH);
    const viaOld = (await old.sendMessage(send(userMessage('old client')))) as Task;
    expect(textOf(viaOld)).toBe('remote: old client');

    const calls = egressLog.slice(before);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((c) => c.allowed && c.url.startsWith(remote.address))).toBe(true);
  });

  it('fails the task, without leaking the cause, when the egress guard refuses the host', async () => {
    const client = await v1Client(`${base}/a2a/agents/blocked/`, AUTH);
    const task = (await client.sendMessage(send(userMessage('nope')))) as Task;
    expect(task.status?.state).toBe(TaskState.TASK_STATE_FAILED);
    const text = task.status?.message?.parts[0]?.content?.value;
    expect(text).toBe('The agent could not be reached: its address is not allowed by the egress policy');
    expect(egressLog.some((c) => !c.allowed && c.url.includes('localhost'))).toBe(true);
  });
});
