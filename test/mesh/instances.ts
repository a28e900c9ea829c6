// Several Pilox instances on loopback for the mesh tests: each with its own database and Kv
// (its own Redis key prefix in real-server runs), listening on a real port so peers reach each
// other over HTTP through the egress guard, as separate machines would.
import { randomUUID } from 'node:crypto';
import type { AgentDirectory } from '../../src/modules/a2a/a2a.ports.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { freePort } from '../helpers/a2a.js';
import { createTestUser, type TestUser } from '../helpers/identity.js';

export const FEDERATION_SECRET = 'federation-shared-secret-for-tests-7f3a9c1e5b';
export const BUS_SECRET = 'mesh-bus-secret-for-tests-4d8e2a6c0f1b3579';
export const INTERNAL_TOKEN = 'mesh-internal-token-for-tests-0123456789abcdef';

export interface Instance {
  name: string;
  t: TestApp;
  base: string;
  port: number;
  operator: TestUser;
  viewer: TestUser;
}

/**
 * Starts one instance per name. Each lists every other as a peer (in `names` order), so the
 * peer index of X on Y is X's position among Y's peers. `env` adds per-instance variables.
 */
export async function startInstances(
  names: string[],
  opts: {
    env?: (name: string) => Record<string, string>;
    directory?: (name: string) => AgentDirectory | undefined;
  } = {},
): Promise<Instance[]> {
  const ports = await Promise.all(names.map(() => freePort()));
  const bases = ports.map((p) => `http://127.0.0.1:${p}`);
  const out: Instance[] = [];
  try {
    for (const [i, name] of names.entries()) {
      const directory = opts.directory?.(name);
      const t = await createTestApp({
        env: {
          AUTH_URL: bases[i],
          HIVE_INTERNAL_TOKEN: INTERNAL_TOKEN,
          MESH_BUS_HMAC_SECRET: BUS_SECRET,
          MESH_FEDERATION_ENABLED: 'true',
          MESH_FEDERATION_SHARED_SECRET: FEDERATION_SECRET,
          MESH_FEDERATION_PEERS: bases.filter((_, j) => j !== i).join(','),
          // The peers are on loopback: allow it and their ports through the egress guard.
          HIVE_EGRESS_FETCH_HOST_ALLOWLIST: '127.0.0.1',
          HIVE_EGRESS_FETCH_ALLOWED_PORTS: ports.join(','),
          A2A_TASK_STORE: 'postgres',
          ...opts.env?.(name),
        },
        ...(directory ? { overrides: { agentDirectory: directory } } : {}),
      });
      await t.app.listen({ port: ports[i]!, host: '127.0.0.1' });
      out.push({
        name,
        t,
        base: bases[i]!,
        port: ports[i]!,
        operator: await createTestUser(t, 'operator'),
        viewer: await createTestUser(t, 'viewer'),
      });
    }
  } catch (err) {
    for (const inst of out) await inst.t.close().catch(() => {});
    throw err;
  }
  return out;
}

export const peerIndex = (on: Instance, of: Instance, all: Instance[]) => all.filter((x) => x !== on).indexOf(of);

export const sendMessage = (text: string, tenant: string, method = 'SendMessage') => ({
  jsonrpc: '2.0',
  id: randomUUID(),
  method,
  params: { tenant, message: { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text }] } },
});
