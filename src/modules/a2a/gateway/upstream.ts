// SDK clients for the agents Pilox forwards to. Local agents are reached over their unix
// socket: an undici dispatcher bound to the socket path, so whatever URL the agent's card
// names, the bytes only ever go to that socket (internal traffic, not user-supplied egress).
// Remote agents are reached only through the injected egress fetch (spec §4.2); without one,
// remote calls are refused.
import { Agent, buildConnector } from 'undici';
import type { AgentCard } from '@a2a-js/sdk';
import {
  ClientFactory,
  ClientFactoryOptions,
  DefaultAgentCardResolver,
  JsonRpcTransportFactory,
  type Client,
} from '@a2a-js/sdk/client';
import { ServiceUnavailableError } from '../../../lib/errors.js';
import type { AgentEndpoint, EgressFetch } from '../a2a.ports.js';
import { pinAgentSocket } from '../../../runtime/agent-socket.js';
import { socketFetch } from './socket-fetch.js';

export class EgressNotConfiguredError extends ServiceUnavailableError {
  constructor() {
    super('Remote agents cannot be called: no egress guard is configured', 'EGRESS_NOT_CONFIGURED');
  }
}

export interface Upstream {
  client: Client;
  card: AgentCard;
}

export interface UpstreamClients {
  get(endpoint: AgentEndpoint): Promise<Upstream>;
  /** Forget a cached client (after a failure, so the next call re-reads the card). */
  invalidate(endpoint: AgentEndpoint): void;
  close(): Promise<void>;
}

// Federated and plain clients of one URL differ in credentials: never share a cached client.
const endpointKey = (e: AgentEndpoint) => (e.kind === 'unix' ? `unix:${e.socketPath}` : `${e.federated ? 'federated' : 'remote'}:${e.url}`);

/** A card URL (…/agent-card.json) or a base URL, as the resolver wants it. */
function splitCardUrl(url: string): { base: string; path?: string } {
  const u = new URL(url);
  if (u.pathname.endsWith('.json')) return { base: u.origin, path: u.pathname.replace(/^\//, '') + u.search };
  return { base: url };
}

export function createUpstreamClients(deps: {
  egressFetch?: EgressFetch;
  /** The egress fetch that adds our federation JWT: for `federated` endpoints only. */
  federationFetch?: EgressFetch;
  cardTtlMs?: number;
}): UpstreamClients {
  const cardTtlMs = deps.cardTtlMs ?? 60_000;
  const dispatchers = new Map<string, Agent>();
  const cache = new Map<string, { value: Promise<Upstream>; at: number }>();

  function fetchFor(endpoint: AgentEndpoint): typeof fetch {
    if (endpoint.kind === 'remote') {
      const egress = endpoint.federated ? deps.federationFetch : deps.egressFetch;
      if (!egress) throw new EgressNotConfiguredError();
      return egress as typeof fetch;
    }
    let dispatcher = dispatchers.get(endpoint.socketPath);
    if (!dispatcher) {
      const socketPath = endpoint.socketPath;
      // Each new connection goes to the socket itself, never through a symlink the agent planted
      // in its own socket dir (agent-socket.ts).
      const connect: buildConnector.connector = (opts, cb) => {
        let pin: ReturnType<typeof pinAgentSocket>;
        try {
          pin = pinAgentSocket(socketPath);
        } catch (err) {
          cb(err as Error, null);
          return;
        }
        buildConnector({ socketPath: pin.path })(opts, (err, socket) => {
          pin.release();
          if (err) cb(err, null);
          else cb(null, socket);
        });
      };
      dispatcher = new Agent({ connect, keepAliveTimeout: 30_000 });
      dispatchers.set(endpoint.socketPath, dispatcher);
    }
    return socketFetch(dispatcher);
  }

  async function build(endpoint: AgentEndpoint): Promise<Upstream> {
    const fetchImpl = fetchFor(endpoint);
    const cardResolver = new DefaultAgentCardResolver({ fetchImpl, legacyCompat: { enabled: true } });
    const { base, path } = endpoint.kind === 'unix' ? { base: 'http://agent.local', path: undefined } : splitCardUrl(endpoint.url);
    const card = await cardResolver.resolve(base, path);
    const factory = new ClientFactory(
      ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
        transports: [new JsonRpcTransportFactory({ fetchImpl, legacyCompat: { enabled: true } })],
        cardResolver,
        preferredTransports: ['JSONRPC'],
      }),
    );
    return { client: await factory.createFromAgentCard(card), card };
  }

  return {
    async get(endpoint) {
      const key = endpointKey(endpoint);
      const hit = cache.get(key);
      if (hit && Date.now() - hit.at < cardTtlMs) return hit.value;
      const value = build(endpoint);
      cache.set(key, { value, at: Date.now() });
      value.catch(() => cache.delete(key));
      return value;
    },
    invalidate(endpoint) {
      cache.delete(endpointKey(endpoint));
    },
    async close() {
      cache.clear();
      const all = [...dispatchers.values()];
      dispatchers.clear();
      await Promise.allSettled(all.map((d) => d.close()));
    },
  };
}
