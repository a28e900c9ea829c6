// The mesh module: the federation (inbound authenticator, outbound status/directory/proxy) and
// the WAN ingress. The signed bus itself is wired in the container (bus-integrity.ts).
import { Counter, type Registry } from 'prom-client';
import type { Authenticator } from '../../http/plugins/access-control.js';
import { AppError } from '../../lib/errors.js';
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
  metrics?: Registry;
}) {
  const settings = parseFederationSettings(deps.config);
  const jwt = createFederationJwt({ settings, kv: deps.kv, clock: deps.clock });
  const federation = createFederationService({ settings, jwt, kv: deps.kv, fetch: deps.fetch, audit: deps.audit, clock: deps.clock });
  const inbound = federationAuthenticator({ settings, jwt, kv: deps.kv });
  const outcomes = deps.metrics ? federationInboundCounter(deps.metrics) : null;
  // Counted by outcome (the stable error codes): a rise in FEDERATION_JWT_REPLAYED or
  // FEDERATION_IP_NOT_ALLOWED is worth an alert.
  const authenticator: Authenticator = outcomes
    ? async (request) => {
        try {
          const principal = await inbound(request);
          if (principal) outcomes.inc({ outcome: 'accepted' });
          return principal;
        } catch (err) {
          outcomes.inc({ outcome: err instanceof AppError ? err.code : 'error' });
          throw err;
        }
      }
    : inbound;

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

/** `pilox_mesh_federation_inbound_total{outcome}`: accepted, or the refusal's error code. */
function federationInboundCounter(registry: Registry): Counter<'outcome'> {
  const existing = registry.getSingleMetric('pilox_mesh_federation_inbound_total');
  if (existing) return existing as Counter<'outcome'>;
  return new Counter({
    name: 'pilox_mesh_federation_inbound_total',
    help: 'Requests carrying federation credentials, by outcome (accepted or the error code)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
}

export type MeshService = ReturnType<typeof createMeshService>;
