// Outbound side of federation: status and probes of MESH_FEDERATION_PEERS, the peer directory
// (no network: what the last probe learnt, cached in Kv) and the JSON-RPC proxy that mints a
// JWT per call. Every request to a peer goes through the egress guard (spec §4.2).
import type { AuditPort } from '../../../lib/audit-port.js';
import type { Clock } from '../../../lib/clock.js';
import type { EgressRequestInit } from '../../../lib/egress/index.js';
import { AppError, BadRequestError, NotFoundError, ServiceUnavailableError } from '../../../lib/errors.js';
import type { Kv } from '../../../lib/kv/kv.js';
import type { Principal } from '../../../http/principal.js';
import type { FederationSettings } from './federation-config.js';
import type { FederationJwt } from './federation-jwt.js';
import { federatedSlug } from './federated-agents.js';

export type FederationFetch = (url: string, init?: EgressRequestInit) => Promise<Response>;

const DIRECTORY_KEY = 'hive:mesh:federation:directory:';
const DIRECTORY_TTL_MS = 24 * 3600_000;
const MAX_PEER_AGENTS = 500;

export interface PeerAgent {
  id: string;
  name: string;
  description?: string;
  tags?: string[];
}

export interface ProbeResult {
  ok: boolean;
  httpStatus: number | null;
  latencyMs: number;
  agents: number | null;
  error: string | null;
  checkedAt: string;
}

export type ProxyResult =
  | { kind: 'json'; status: number; body: string }
  | { kind: 'stream'; status: number; body: ReadableStream<Uint8Array> };

const agentCardUrl = (origin: string) => `${origin}/.well-known/agent-card.json`;
const jsonRpcUrl = (origin: string) => `${origin}/api/a2a/jsonrpc`;

/** The skills of a peer's platform card are the agents it lets us see (A2A §5.5 AgentSkill). */
function agentsFromCard(card: unknown): PeerAgent[] {
  const skills = (card as { skills?: unknown })?.skills;
  if (!Array.isArray(skills)) return [];
  const out: PeerAgent[] = [];
  for (const s of skills.slice(0, MAX_PEER_AGENTS)) {
    if (typeof s?.id !== 'string' || typeof s?.name !== 'string') continue;
    out.push({
      id: s.id.slice(0, 256),
      name: s.name.slice(0, 256),
      ...(typeof s.description === 'string' ? { description: s.description.slice(0, 2000) } : {}),
      ...(Array.isArray(s.tags) ? { tags: s.tags.filter((t: unknown) => typeof t === 'string').slice(0, 32).map((t: string) => t.slice(0, 64)) } : {}),
    });
  }
  return out;
}

export function createFederationService(deps: {
  settings: FederationSettings;
  jwt: FederationJwt;
  kv: Kv;
  fetch: FederationFetch;
  audit: AuditPort;
  clock: Clock;
}) {
  const { settings, jwt, kv, clock } = deps;

  function peerAt(index: number) {
    const peer = settings.peers[index];
    if (!peer) throw new NotFoundError('No peer at this index', 'FEDERATION_PEER_NOT_FOUND');
    return peer;
  }

  async function authHeaders(origin: string): Promise<Record<string, string>> {
    const h: Record<string, string> = { 'x-hive-federation-jwt': await jwt.mint(origin) };
    // MESH_FEDERATION_PROXY_SEND_SECRET: for peers that only know the legacy header. The peer
    // refuses both at once, so this replaces the JWT rather than adding to it.
    if (settings.proxySendSecret && settings.sharedSecret) return { 'x-hive-federation-secret': settings.sharedSecret };
    return h;
  }

  function requireEnabled() {
    if (!settings.enabled) throw new ServiceUnavailableError('Federation is not enabled (MESH_FEDERATION_ENABLED)', 'FEDERATION_DISABLED');
  }

  async function probe(index: number): Promise<ProbeResult> {
    const peer = peerAt(index);
    const started = Date.now();
    const done = (r: Omit<ProbeResult, 'latencyMs' | 'checkedAt'>): ProbeResult => ({
      ...r,
      latencyMs: Date.now() - started,
      checkedAt: clock.now().toISOString(),
    });
    try {
      const res = await deps.fetch(agentCardUrl(peer.origin), {
        headers: { accept: 'application/json', 'a2a-version': '1.0', ...(settings.enabled ? await authHeaders(peer.origin) : {}) },
        timeoutMs: Math.min(settings.proxyTimeoutMs, 10_000),
        maxBytes: 1_048_576,
      });
      if (!res.ok) {
        await res.body?.cancel().catch(() => {});
        return done({ ok: false, httpStatus: res.status, agents: null, error: `HTTP ${res.status}` });
      }
      const agents = agentsFromCard(await res.json());
      await kv.set(`${DIRECTORY_KEY}${peer.origin}`, JSON.stringify({ agents, fetchedAt: clock.now().toISOString() }), { ttlMs: DIRECTORY_TTL_MS });
      return done({ ok: true, httpStatus: res.status, agents: agents.length, error: null });
    } catch (err) {
      const code = err instanceof AppError ? err.code : 'FETCH_FAILED';
      return done({ ok: false, httpStatus: null, agents: null, error: code });
    }
  }

  return {
    settings,
    authHeaders,

    /** Peer agents as the last probe saw them (Kv; no network). */
    async peerAgents() {
      return Promise.all(
        settings.peers.map(async (p) => {
          const cached = await kv.get(`${DIRECTORY_KEY}${p.origin}`).catch(() => null);
          const parsed = cached ? (JSON.parse(cached) as { agents: PeerAgent[]; fetchedAt: string }) : null;
          return { index: p.index, origin: p.origin, agents: parsed?.agents ?? [], fetchedAt: parsed?.fetchedAt ?? null };
        }),
      );
    },

    async status(opts: { probe: boolean }) {
      const peers = await Promise.all(
        settings.peers.map(async (p) => ({
          index: p.index,
          origin: p.origin,
          agentCardUrl: agentCardUrl(p.origin),
          ed25519Key: p.ed25519PublicKey !== undefined,
          ...(opts.probe ? { probe: await probe(p.index) } : {}),
        })),
      );
      return {
        enabled: settings.enabled,
        origin: settings.origin,
        audience: settings.audience,
        jwtAlg: settings.alg,
        sharedSecretConfigured: Boolean(settings.sharedSecret),
        requireAudience: settings.requireAudience,
        requireJti: settings.requireJti,
        jwtTtlSeconds: settings.ttlSeconds,
        clockSkewLeewaySeconds: settings.leewaySeconds,
        allowLegacySecret: settings.allowLegacySecret,
        proxySendSecret: settings.proxySendSecret,
        inboundAllowlistEntries: settings.inboundAllowlistSize,
        rateLimit: settings.rateLimit,
        peers,
      };
    },

    /** No network: peers from config, their agents as the last probe saw them. */
    async directory() {
      const peers = (await this.peerAgents()).map((p) => ({
        index: p.index,
        origin: p.origin,
        agentCardUrl: agentCardUrl(p.origin),
        jsonRpcUrl: jsonRpcUrl(p.origin),
        agents: p.agents.map((a) => ({ ...a, localSlug: federatedSlug(p.index, a.id) })),
        agentsFetchedAt: p.fetchedAt,
      }));
      return { enabled: settings.enabled, peers };
    },

    /** Relays one JSON-RPC request to a peer as this instance (a fresh JWT per call). */
    async proxy(input: {
      peerIndex: number;
      rpc: unknown;
      a2aVersion?: string;
      requestId: string;
      principal: Principal;
      actor: string;
      ip: string;
    }): Promise<ProxyResult> {
      requireEnabled();
      const peer = peerAt(input.peerIndex);
      const method = typeof (input.rpc as { method?: unknown })?.method === 'string' ? String((input.rpc as { method: string }).method).slice(0, 128) : null;
      if (!method) throw new BadRequestError('rpc must be a JSON-RPC request with a method', 'VALIDATION_ERROR');
      let res: Response;
      try {
        res = await deps.fetch(jsonRpcUrl(peer.origin), {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            'x-request-id': input.requestId,
            ...(input.a2aVersion ? { 'a2a-version': input.a2aVersion } : {}),
            ...(await authHeaders(peer.origin)),
          },
          body: JSON.stringify(input.rpc),
          timeoutMs: settings.proxyTimeoutMs,
          maxRedirects: 0,
        });
      } catch (err) {
        await deps.audit.record({
          actor: input.actor,
          action: 'mesh.federation.proxy',
          targetType: 'federation_peer',
          targetId: peer.origin,
          details: { method, outcome: 'failed', error: err instanceof AppError ? err.code : 'FETCH_FAILED' },
          requestId: input.requestId,
          ip: input.ip,
          principal: input.principal,
        });
        throw new AppError(502, 'FEDERATION_PEER_UNREACHABLE', 'The peer could not be reached');
      }
      await deps.audit.record({
        actor: input.actor,
        action: 'mesh.federation.proxy',
        targetType: 'federation_peer',
        targetId: peer.origin,
        details: { method, outcome: 'forwarded', httpStatus: res.status },
        requestId: input.requestId,
        ip: input.ip,
        principal: input.principal,
      });
      if ((res.headers.get('content-type') ?? '').startsWith('text/event-stream') && res.body) {
        return { kind: 'stream', status: res.status, body: res.body };
      }
      return { kind: 'json', status: res.status, body: await res.text() };
    },
  };
}

export type FederationService = ReturnType<typeof createFederationService>;
