// An instance never relays between peers: only the federated directory's `fed<i>--<slug>`
// agents, called by a local principal, carry our federation JWT. A remote agent an operator
// imported from a peer's origin is called like any other URL: without federation credentials,
// whoever calls it (a local user, or another peer federated into us).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDirectory, startEchoAgent, type ChildAgent } from '../helpers/a2a.js';
import { sendMessage, startInstances, type Instance } from './instances.js';

describe('federation credentials are never lent to an imported remote agent', () => {
  let echo: ChildAgent & { socketPath?: string };
  let all: Instance[];
  let A: Instance, B: Instance;
  const directoryOfB = createTestDirectory();

  beforeAll(async () => {
    echo = await startEchoAgent();
    // Public for now, so that A's operator can import its card without credentials.
    directoryOfB.add({ slug: 'shared-b', visibility: 'public' }, { kind: 'unix', socketPath: echo.socketPath! });
    all = await startInstances(['A', 'B'], { directory: (n) => (n === 'B' ? directoryOfB : undefined) });
    [A, B] = all as [Instance, Instance];
  }, 120_000);
  afterAll(async () => {
    for (const i of all ?? []) await i.t.close();
    await echo?.stop();
  });

  const call = (slug: string, headers: Record<string, string>, text: string) =>
    fetch(`${A.base}/a2a/agents/${slug}`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'a2a-version': '1.0' },
      body: JSON.stringify(sendMessage(text, slug)),
    });

  /** Whether B's echo agent answered `text` (the caller's own message in the history does not count). */
  const echoed = (body: string, text: string) => {
    const task = (JSON.parse(body) as { result?: { task?: { artifacts?: unknown } } }).result?.task;
    return JSON.stringify(task?.artifacts ?? null).includes(text);
  };

  it('calls the peer as this instance for fed<i>--<slug>, but not for an imported agent at the peer origin', async () => {
    const imported = await A.t.app.inject({
      method: 'POST',
      url: '/api/agents/import',
      headers: A.operator.headers,
      payload: { cardUrl: `${B.base}/a2a/agents/shared-b/.well-known/agent-card.json`, slug: 'imported-b', visibility: 'instance' },
    });
    expect(imported.statusCode, imported.body).toBe(201);
    // B now keeps the agent for its federation peers and its own users only.
    directoryOfB.add({ slug: 'shared-b', visibility: 'instance' }, { kind: 'unix', socketPath: echo.socketPath! });

    // The federated directory agent: a local user reaches it, A calling B as A.
    const fed = await call('fed0--shared-b', A.viewer.headers, 'as the instance');
    const fedText = await fed.text();
    expect(echoed(fedText, 'as the instance'), `${fed.status} ${fedText}`).toBe(true);

    // The imported agent at B's origin: no federation JWT, so B does not see A and refuses.
    const local = await call('imported-b', A.viewer.headers, 'local user relayed');
    const localText = await local.text();
    expect(echoed(localText, 'local user relayed'), `${local.status} ${localText}`).toBe(false);

    // Nor can B (or any peer federated into A) use A as a relay through the imported agent.
    const jwt = await B.t.container.mesh.jwt.mint(A.base);
    const peer = await call('imported-b', { 'x-hive-federation-jwt': jwt }, 'peer relayed');
    const peerText = await peer.text();
    expect(echoed(peerText, 'peer relayed'), `${peer.status} ${peerText}`).toBe(false);
  }, 120_000);
});

describe('a federated endpoint is never served to a federation principal', () => {
  let echo: ChildAgent & { socketPath?: string };
  let all: Instance[];
  let A: Instance, B: Instance;

  beforeAll(async () => {
    echo = await startEchoAgent();
    const directoryOfB = createTestDirectory();
    directoryOfB.add({ slug: 'inst-b', visibility: 'instance' }, { kind: 'unix', socketPath: echo.socketPath! });
    // A directory on A that hands out a federated endpoint to anyone who may see the agent: the
    // gateway itself must still refuse to call a peer as A on behalf of a peer.
    const directoryOfA = createTestDirectory();
    all = await startInstances(['A', 'B'], { directory: (n) => (n === 'B' ? directoryOfB : n === 'A' ? directoryOfA : undefined) });
    [A, B] = all as [Instance, Instance];
    directoryOfA.add({ slug: 'via-a', visibility: 'instance' }, { kind: 'remote', url: `${B.base}/a2a/agents/inst-b/.well-known/agent-card.json`, federated: true });
  }, 120_000);
  afterAll(async () => {
    for (const i of all ?? []) await i.t.close();
    await echo?.stop();
  });

  it('refuses it (404) to a peer, serves it to a local user', async () => {
    const call = (headers: Record<string, string>, text: string) =>
      fetch(`${A.base}/a2a/agents/via-a`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'a2a-version': '1.0' },
        body: JSON.stringify(sendMessage(text, 'via-a')),
      });
    const local = await call(A.viewer.headers, 'local call');
    const localText = await local.text();
    expect(localText, `${local.status} ${localText}`).toContain('TASK_STATE_COMPLETED');

    const peer = await call({ 'x-hive-federation-jwt': await B.t.container.mesh.jwt.mint(A.base) }, 'peer relayed');
    const peerText = await peer.text();
    expect(peerText, `${peer.status} ${peerText}`).toMatch(/AGENT_NOT_FOUND|not found/i);
    expect(peerText).not.toContain('TASK_STATE_COMPLETED');
  }, 120_000);
});

