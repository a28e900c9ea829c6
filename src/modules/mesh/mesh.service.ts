// The mesh module: the federation (inbound authenticator, outbound status/directory/proxy) and
// the WAN ingress. The signed bus itself is wired in the container (bus-integrity.ts).
import type { Authenticator } from '../../http/plugins/access-control.js';
import type { AuditPort } from '../../lib/audit-port.js';
import type { Clock } from '../../lib/clock.js';
import { CHANNELS, type EventBus } from '../../lib/events/event-bus.js';
import type { Kv } from '../../lib/kv/kv.js';
import type { FederationConfigInput } from './federation/federation-config.js';
import { parseFederationSettings } from './federation/federation-config.js';
import { federationAuthenticator } from './federation/federation-authenticator.js';
import { createFederationJwt } from './federation/federation-jwt.js';
import { createFederationService, type FederationFetch } from './federation/federation.service.js';
import type { AgentDirectory, EgressFetch } from '../a2a/a2a.ports.js';
import { federatedFetch, withFederatedAgents } from './federation/federated-agents.js';
import { WAN_ENVELOPE_EVENT, type WanEnvelope } from './wan/wan-envelope.js';

export function createMeshService(deps: {
  config: FederationConfigInput;
  events: EventBus;
  kv: Kv;
  fetch: FederationFetch;
  audit: AuditPort;
  clock: Clock;
}) {
  const settings = parseFederationSettings(deps.config);
  const jwt = createFederationJwt({ settings, kv: deps.kv, clock: deps.clock });
  const federation = createFederationService({ settings, jwt, kv: deps.kv, fetch: deps.fetch, audit: deps.audit, clock: deps.clock });
  const authenticator: Authenticator = federationAuthenticator({ settings, jwt, kv: deps.kv });

  return {
    events: deps.events,
    /** Wrap the A2A gateway's directory: peer agents appear as `fed<i>--<slug>` (remote agents). */
    federatedDirectory: (inner: AgentDirectory) => withFederatedAgents(inner, { settings, peerAgents: () => federation.peerAgents() }),
    /** Wrap the A2A gateway's egress fetch: calls to peers carry a fresh federation JWT. */
    federatedFetch: (base: EgressFetch) => federatedFetch(base, { settings, authHeaders: (o) => federation.authHeaders(o) }),
    federation,
    jwt,
    /** First in the access-control chain (no fallback to other credentials on a federated request). */
    authenticator,

    /** POST /api/mesh/wan/ingress: hands the envelope to the bus; the WAN worker carries it on. */
    async ingestWan(envelope: WanEnvelope, requestCorrelation?: string) {
      const event = await deps.events.publish(CHANNELS.system, WAN_ENVELOPE_EVENT, envelope, {
        correlationId: envelope.correlationId ?? requestCorrelation,
      });
      return { accepted: true as const, eventId: event.meshMeta.eventId, correlationId: envelope.correlationId };
    },
  };
}

export type MeshService = ReturnType<typeof createMeshService>;
