// Three Pilox instances federated on loopback (A, B, C; separate databases and Kv): discovery
// through the egress guard, federated calls and streams through the local proxy, visibility of
// the peer's agents, and the inbound checks (replay, audience, allowlist, header rules).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDirectory, startEchoAgent, type ChildAgent } from '../helpers/a2a.js';
import { FEDERATION_SECRET, peerIndex, sendMessage, startInstances, type Instance } from './instances.js';
import { readSse } from './sse.js';

describe('federation of three instances', () => {
  let echo: ChildAgent & { socketPath?: string };
  let all: Instance[];
  let A: Instance, B: Instance, C: Instance;

  beforeAll(async () => {
    echo = await startEchoAgent();
    const directoryOfB = createTestDirectory();
    const endpoint = { kind: 'unix' as const, socketPath: echo.socketPath! };
    directoryOfB.add({ slug: 'pub-b', visibility: 'public' }, endpoint);
    directoryOfB.add({ slug: 'inst-b', visibility: 'instance' }, endpoint);
    directoryOfB.add({ slug: 'priv-b', visibility: 'private' }, endpoint);
    all = await startInstances(['A', 'B', 'C'], {
      directory: (n) => (n === 'B' ? directoryOfB : undefined),
      // C only federates with a network the others are not on; B still accepts the legacy header.
      env: (n): Record<string, string> =>
        n === 'C'
          ? { MESH_FEDERATION_INBOUND_ALLOWLIST: '10.0.0.0/8' }
          : n === 'B'
            ? { MESH_FEDERATION_INBOUND_ALLOW_LEGACY_SECRET: 'true' }
            : {},
    });
    [A, B, C] = all as [Instance, Instance, Instance];
  }, 120_000);
  afterAll(async () => {
    for (const i of all ?? []) await i.t.close();
    await echo?.stop();
  });

  const proxy = (from: Instance, to: Instance, rpc: unknown, headers: Record<string, string> = {}) =>
    fetch(`${from.base}/api/mesh/federation/proxy/jsonrpc`, {
      method: 'POST',
      headers: { ...from.operator.headers, 'content-type': 'application/json', 'a2a-version': '1.0', ...headers },
      body: JSON.stringify({ peerIndex: peerIndex(from, to, all), rpc }),
    });

  const direct = (to: Instance, headers: Record<string, string>, body: unknown = sendMessage('hi', 'pub-b')) =>
    fetch(`${to.base}/api/a2a/jsonrpc`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'a2a-version': '1.0', ...headers },
      body: JSON.stringify(body),
    });

  it('discovers peers: the probe fetches agent cards through the egress guard, the directory serves them without network', async () => {
    const before = await A.t.app.inject({ method: 'GET', url: '/api/mesh/federation/directory', headers: A.viewer.headers });
    expect(before.statusCode).toBe(200);
    expect(before.json().peers.map((p: { origin: string }) => p.origin)).toEqual([B.base, C.base]);

    const viewerProbe = await A.t.app.inject({ method: 'GET', url: '/api/mesh/federation/status?probe=1', headers: A.viewer.headers });
    expect(viewerProbe.statusCode).toBe(403);
    const status = await A.t.app.inject({ method: 'GET', url: '/api/mesh/federation/status?probe=1', headers: A.operator.headers });
    expect(status.statusCode).toBe(200);
    const body = status.json();
    expect(body).toMatchObject({ enabled: true, origin: A.base, audience: A.base, jwtAlg: 'HS256', requireJti: true });
    expect(JSON.stringify(body)).not.toContain('federation-shared-secret');
    const [toB, toC] = body.peers;
    expect(toB.probe).toMatchObject({ ok: true, httpStatus: 200, agents: 2 });
    // C refuses A's address (MESH_FEDERATION_INBOUND_ALLOWLIST).
    expect(toC.probe).toMatchObject({ ok: false, httpStatus: 403 });

    const dir = await A.t.app.inject({ method: 'GET', url: '/api/mesh/federation/directory', headers: A.viewer.headers });
    const peerB = dir.json().peers[0];
    expect(peerB.jsonRpcUrl).toBe(`${B.base}/api/a2a/jsonrpc`);
    // A peer sees B's public and instance agents, never its private ones.
    expect(peerB.agents.map((a: { id: string }) => a.id).sort()).toEqual(['inst-b', 'pub-b']);
  });

  it('calls a peer agent through the local proxy, and streams', async () => {
    const res = await proxy(A, B, sendMessage('hello from A', 'inst-b'));
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { error?: unknown; result?: unknown };
    expect(answer.error).toBeUndefined();
    expect(JSON.stringify(answer.result)).toContain('hello from A');

    const stream = await proxy(A, B, sendMessage('streamed from A', 'pub-b', 'SendStreamingMessage'), { accept: 'text/event-stream' });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/text\/event-stream/);
    const events = await readSse(stream).all();
    expect(events.length).toBeGreaterThan(1);
    expect(events.map((e) => e.data).join('')).toContain('streamed from A');
    expect(events.at(-1)!.data).toContain('TASK_STATE_COMPLETED');

    const audit = await A.t.container.audit.list({ action: 'mesh.federation.proxy', targetId: B.base }, 10);
    expect(audit.items.length).toBeGreaterThanOrEqual(2);
    expect(audit.items[0]).toMatchObject({ actorId: A.operator.user.id, targetType: 'federation_peer' });
  });

  it('makes peer agents first-class: listed, called and streamed through our own A2A endpoints', async () => {
    // After the probe (first test), A's platform card lists B's visible agents under local slugs.
    const card = await fetch(`${A.base}/.well-known/agent-card.json`, { headers: { ...A.viewer.headers, 'a2a-version': '1.0' } });
    const skills = ((await card.json()) as { skills: { id: string }[] }).skills.map((s) => s.id).sort();
    expect(skills).toEqual(['fed0--inst-b', 'fed0--pub-b']);
    const dir = await A.t.app.inject({ method: 'GET', url: '/api/mesh/federation/directory', headers: A.viewer.headers });
    expect(dir.json().peers[0].agents.map((a: { localSlug: string }) => a.localSlug).sort()).toEqual(['fed0--inst-b', 'fed0--pub-b']);

    const call = (slug: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${A.base}/a2a/agents/${slug}`, {
        method: 'POST',
        headers: { ...A.viewer.headers, 'content-type': 'application/json', 'a2a-version': '1.0', ...headers },
        body: JSON.stringify(body),
      });
    const res = await call('fed0--inst-b', sendMessage('first-class call', 'fed0--inst-b'));
    const answer = (await res.json()) as { result?: unknown; error?: unknown };
    expect(answer.error).toBeUndefined();
    expect(JSON.stringify(answer.result)).toContain('first-class call');

    const stream = await call('fed0--pub-b', sendMessage('first-class stream', 'fed0--pub-b', 'SendStreamingMessage'), { accept: 'text/event-stream' });
    const events = await readSse(stream).all();
    expect(events.map((e) => e.data).join('')).toContain('first-class stream');
    expect(events.at(-1)!.data).toContain('TASK_STATE_COMPLETED');

    // The peer still decides: its private agent is not reachable this way either.
    const privRes = await call('fed0--priv-b', sendMessage('x', 'fed0--priv-b'));
    const privText = await privRes.text();
    expect(privText, `${privRes.status} ${privText}`).toMatch(/not found/i);
    // And an instance is never a relay: B, federated into A, cannot reach A's peer agents.
    const relay = await direct(A, { 'x-hive-federation-jwt': await B.t.container.mesh.jwt.mint(A.base) }, sendMessage('x', 'fed1--anything'));
    expect(JSON.stringify(await relay.json())).toMatch(/not found/i);
  });

  it('does not let a peer reach private agents', async () => {
    const res = await proxy(A, B, sendMessage('x', 'priv-b'));
    const answer = (await res.json()) as { error?: unknown };
    expect(answer.error).toBeDefined();
    expect(JSON.stringify(answer.error)).toMatch(/AGENT_NOT_FOUND|not found/i);
  });

  it('refuses a replayed JWT (401) and a token for another audience (401)', async () => {
    const token = await A.t.container.mesh.jwt.mint(B.base);
    const first = await direct(B, { 'x-hive-federation-jwt': token });
    expect(first.status).toBe(200);
    const replay = await direct(B, { 'x-hive-federation-jwt': token });
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { error: { data: unknown } }).error.data).toEqual(expect.arrayContaining([expect.objectContaining({ reason: 'UNAUTHENTICATED' })]));

    const forC = await A.t.container.mesh.jwt.mint(C.base);
    const wrongAud = await direct(B, { 'x-hive-federation-jwt': forC });
    expect(wrongAud.status).toBe(401);
    expect(await wrongAud.text()).toMatch(/aud/);
  });

  it('refuses an instance outside the inbound allowlist (403)', async () => {
    const token = await A.t.container.mesh.jwt.mint(C.base);
    const res = await direct(C, { 'x-hive-federation-jwt': token });
    expect(res.status).toBe(403);
    const viaProxy = await proxy(A, C, sendMessage('x', 'anything'));
    expect(viaProxy.status).toBe(403);
  });

  it('applies the header rules: both headers 400, legacy secret off 401, no Bearer fallback', async () => {
    const token = await A.t.container.mesh.jwt.mint(B.base);
    const both = await direct(B, { 'x-hive-federation-jwt': token, 'x-hive-federation-secret': 'whatever-it-is' });
    expect(both.status).toBe(400);
    // Legacy header: refused where not allowed (A), accepted where allowed (B), checked there.
    const legacyOff = await direct(A, { 'x-hive-federation-secret': FEDERATION_SECRET });
    expect(legacyOff.status).toBe(401);
    const legacyOn = await direct(B, { 'x-hive-federation-secret': FEDERATION_SECRET });
    expect(legacyOn.status).toBe(200);
    expect(((await legacyOn.json()) as { error?: unknown }).error).toBeUndefined();
    const legacyWrong = await direct(B, { 'x-hive-federation-secret': `${FEDERATION_SECRET}x` });
    expect(legacyWrong.status).toBe(401);
    // A valid operator token does not rescue a bad federation header.
    const bearer = await direct(B, { ...B.operator.headers, 'x-hive-federation-jwt': 'not-a-jwt' });
    expect(bearer.status).toBe(401);
    // Federation credentials are refused outside the A2A surface.
    const mgmt = await fetch(`${B.base}/api/mesh/federation/status`, { headers: { 'x-hive-federation-jwt': await A.t.container.mesh.jwt.mint(B.base) } });
    expect(mgmt.status).toBe(401);
    // A federated principal cannot use the proxy or the WAN ingress either (management API).
    const ingress = await fetch(`${B.base}/api/mesh/wan/ingress`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hive-federation-jwt': await A.t.container.mesh.jwt.mint(B.base) },
      body: '{}',
    });
    expect(ingress.status).toBe(401);
  });
});
