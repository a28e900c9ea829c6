// Inbound federation limits on one instance, with tokens minted as a peer would: the dedicated
// per-address window (MESH_FEDERATION_RATE_LIMIT_*), the allowlist on the client IP as
// HIVE_CLIENT_IP_SOURCE resolves it, and an instance with federation off.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/lib/clock.js';
import { createMemoryKv } from '../../src/lib/kv/memory-kv.js';
import { parseFederationSettings } from '../../src/modules/mesh/federation/federation-config.js';
import { createFederationJwt } from '../../src/modules/mesh/federation/federation-jwt.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { FEDERATION_SECRET, sendMessage } from './instances.js';

const PEER = 'http://peer.example';
const US = 'http://localhost:8080';

describe('inbound federation limits', () => {
  let t: TestApp;
  let off: TestApp;
  const peerKv = createMemoryKv();
  let mint: () => Promise<string>;

  beforeAll(async () => {
    t = await createTestApp({
      env: {
        AUTH_URL: US,
        MESH_FEDERATION_ENABLED: 'true',
        MESH_FEDERATION_SHARED_SECRET: FEDERATION_SECRET,
        MESH_FEDERATION_PEERS: PEER,
        MESH_FEDERATION_RATE_LIMIT_MAX: '3',
        MESH_FEDERATION_INBOUND_ALLOWLIST: '10.0.0.0/8',
        HIVE_CLIENT_IP_SOURCE: 'real_ip',
      },
    });
    off = await createTestApp({ env: { AUTH_URL: US } });
    const peerSettings = parseFederationSettings({ ...t.config, AUTH_URL: PEER, MESH_FEDERATION_PEERS: US });
    const peerJwt = createFederationJwt({ settings: peerSettings, kv: peerKv, clock: systemClock });
    mint = () => peerJwt.mint(US);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await off?.close();
    await peerKv.close();
  });

  const call = async (app: TestApp, ip: string, token?: string) =>
    app.app.inject({
      method: 'POST',
      url: '/api/a2a/jsonrpc',
      headers: { 'content-type': 'application/json', 'a2a-version': '1.0', 'x-real-ip': ip, 'x-hive-federation-jwt': token ?? (await mint()) },
      payload: JSON.stringify(sendMessage('hi', 'nobody')),
    });

  it('applies the allowlist to the resolved client IP', async () => {
    expect((await call(t, '11.0.0.1')).statusCode).toBe(403);
    const ok = await call(t, '10.9.9.9');
    // Authenticated as the peer: past authentication, the agent simply does not exist.
    expect(ok.statusCode).toBe(404);
    expect(ok.json().error.message).toMatch(/not found/i);
  });

  it('limits federation attempts per address, before any token is checked', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await call(t, '10.0.0.66', 'bogus.token.value')).statusCode);
    expect(statuses).toEqual([401, 401, 401, 429]);
  });

  it('limits calls per peer across addresses (MESH_FEDERATION_RATE_LIMIT_*)', async () => {
    // One call of this peer was counted above (10.9.9.9); the window holds 3.
    const statuses = [];
    for (const ip of ['10.0.0.8', '10.0.0.9', '10.0.0.10']) statuses.push((await call(t, ip)).statusCode);
    expect(statuses).toEqual([404, 404, 429]);
  });

  it('counts inbound outcomes for operators', async () => {
    const m = await t.container.metrics.getSingleMetric('pilox_mesh_federation_inbound_total')!.get();
    const by = Object.fromEntries(m.values.map((v) => [v.labels.outcome, v.value]));
    // The per-peer 429 comes after authentication (accepted), from the A2A caller policy.
    expect(by).toMatchObject({ accepted: 4, FEDERATION_IP_NOT_ALLOWED: 1, FEDERATION_JWT_INVALID: 3, RATE_LIMITED: 1 });
  });

  it('refuses federation headers when federation is off', async () => {
    const res = await call(off, '10.0.0.1');
    expect(res.statusCode).toBe(401);
    expect(res.body).toContain('not enabled');
  });
});
