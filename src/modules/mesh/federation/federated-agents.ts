// Peer agents as first-class A2A agents of this instance: `fed<peerIndex>--<slug>` resolves to
// the peer's agent as a remote agent, so local users call and stream it through our own A2A
// endpoints (tasks, push, audit as for any agent). Calls leave through the egress guard with a
// fresh X-Hive-Federation-JWT per request (federatedFetch), so the peer applies its own
// visibility rules (instance and public agents only) to us.
import type { Principal } from '../../../http/principal.js';
import { NotFoundError } from '../../../lib/errors.js';
import type { AgentDirectory, DirectoryAgent, EgressFetch } from '../../a2a/a2a.ports.js';
import type { FederationSettings } from './federation-config.js';
import type { PeerAgent } from './federation.service.js';

const FEDERATED_SLUG = /^fed(\d{1,2})--([A-Za-z0-9._-]{1,128})$/;

export const federatedSlug = (peerIndex: number, slug: string) => `fed${peerIndex}--${slug}`;

/**
 * Local users and the operator's machine token may use peer agents. A federated principal may
 * not: an instance is never a relay from one peer to another.
 */
const mayUsePeers = (p: Principal) => p.kind === 'user' || p.kind === 'internal';

export function withFederatedAgents(
  inner: AgentDirectory,
  deps: {
    settings: FederationSettings;
    peerAgents: () => Promise<{ index: number; origin: string; agents: PeerAgent[]; fetchedAt: string | null }[]>;
  },
): AgentDirectory {
  const { settings } = deps;
  if (!settings.enabled || settings.peers.length === 0) return inner;

  const toDirectoryAgent = (index: number, origin: string, a: Pick<PeerAgent, 'id' | 'name' | 'description'>): DirectoryAgent => ({
    id: `${origin}/a2a/agents/${a.id}`,
    slug: federatedSlug(index, a.id),
    name: `${a.name} (${new URL(origin).host})`,
    description: a.description ?? `Agent ${a.id} of ${origin}`,
    visibility: 'instance',
    ownerId: `federation:${origin}`,
  });

  return {
    async resolveForCall(slug, principal) {
      const m = FEDERATED_SLUG.exec(slug);
      if (!m) return inner.resolveForCall(slug, principal);
      const peer = settings.peers[Number(m[1])];
      if (!peer || !mayUsePeers(principal)) throw new NotFoundError('Agent not found', 'AGENT_NOT_FOUND');
      const remoteSlug = m[2]!;
      // Once a probe has listed the peer's agents, an agent it did not list is unknown here (the
      // peer would refuse it anyway). Before any probe, the peer alone decides.
      const cached = (await deps.peerAgents().catch(() => [])).find((p) => p.index === peer.index);
      const known = cached?.agents.find((a) => a.id === remoteSlug);
      if (cached?.fetchedAt && !known) throw new NotFoundError('Agent not found', 'AGENT_NOT_FOUND');
      return {
        agent: toDirectoryAgent(peer.index, peer.origin, known ?? { id: remoteSlug, name: remoteSlug }),
        endpoint: { kind: 'remote', url: `${peer.origin}/a2a/agents/${remoteSlug}/.well-known/agent-card.json`, federated: true },
      };
    },
    async listVisible(principal) {
      const local = await inner.listVisible(principal);
      if (!mayUsePeers(principal)) return local;
      const peers = await deps.peerAgents().catch(() => []);
      return [...local, ...peers.flatMap((p) => p.agents.map((a) => toDirectoryAgent(p.index, p.origin, a)))];
    },
  };
}

/**
 * The fetch of the federation directory's endpoints alone (`federated: true`): requests to a peer
 * origin carry a fresh federation JWT, never our users' credentials.
 */
export function federatedFetch(
  base: EgressFetch,
  deps: { settings: FederationSettings; authHeaders: (origin: string) => Promise<Record<string, string>> },
): EgressFetch {
  const origins = new Set(deps.settings.peers.map((p) => p.origin));
  if (!deps.settings.enabled || origins.size === 0) return base;
  return async (input, init) => {
    const url = new URL(input);
    if (!origins.has(url.origin)) return base(input, init);
    const headers = new Headers(init?.headers);
    headers.delete('authorization');
    headers.delete('cookie');
    for (const [k, v] of Object.entries(await deps.authHeaders(url.origin))) headers.set(k, v);
    return base(input, { ...init, headers });
  };
}
