// meshSig (spec §4.1 / §10 mesh pub/sub): with MESH_BUS_HMAC_SECRET set, every event the bus
// publishes carries HMAC-SHA256 over a canonical serialization of channel + type + data +
// meshMeta, and every in-app subscriber drops (and counts) messages that are unsigned or whose
// signature does not match. Replicas and sidecars sharing the secret interoperate because the
// serialization below is fixed: JSON with object keys sorted, no whitespace.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Counter, type Registry } from 'prom-client';
import type { BusEvent, BusIntegrity } from '../../lib/events/event-bus.js';

/** JSON with sorted object keys at every depth; arrays keep their order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    // undefined (dropped keys) and non-finite numbers follow JSON.stringify's rules.
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return canonicalJson((value as { toJSON(): unknown }).toJSON());
  const keys = Object.keys(value).sort();
  const parts: string[] = [];
  for (const k of keys) {
    const v = (value as Record<string, unknown>)[k];
    if (v === undefined || typeof v === 'function') continue;
    parts.push(`${JSON.stringify(k)}:${canonicalJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}

/** The bytes meshSig covers. The channel is included so an event cannot be replayed on another channel. */
export function signingInput(channel: string, event: Pick<BusEvent, 'type' | 'data' | 'meshMeta'>): string {
  return canonicalJson({ channel, type: event.type, data: event.data, meshMeta: event.meshMeta });
}

export function meshSignature(secret: string, channel: string, event: Pick<BusEvent, 'type' | 'data' | 'meshMeta'>): string {
  return createHmac('sha256', secret).update(signingInput(channel, event)).digest('base64url');
}

export type RejectReason = 'unsigned' | 'bad_signature';

export function createHmacBusIntegrity(deps: {
  secret: string;
  onRejected?: (channel: string, reason: RejectReason, event: BusEvent) => void;
}): BusIntegrity {
  const { secret } = deps;
  return {
    sign: (channel, event) => meshSignature(secret, channel, event),
    verify(channel, event) {
      if (typeof event.meshSig !== 'string' || event.meshSig.length === 0) {
        deps.onRejected?.(channel, 'unsigned', event);
        return false;
      }
      const expected = Buffer.from(meshSignature(secret, channel, event));
      const given = Buffer.from(event.meshSig);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        deps.onRejected?.(channel, 'bad_signature', event);
        return false;
      }
      return true;
    },
  };
}

/** `pilox_mesh_bus_rejected_total{channel,reason}`: signed-bus drops, for alerting. */
export function busRejectionCounter(registry: Registry): Counter<'channel' | 'reason'> {
  const existing = registry.getSingleMetric('pilox_mesh_bus_rejected_total');
  if (existing) return existing as Counter<'channel' | 'reason'>;
  return new Counter({
    name: 'pilox_mesh_bus_rejected_total',
    help: 'Mesh bus messages dropped by subscribers because meshSig was missing or wrong',
    labelNames: ['channel', 'reason'] as const,
    registers: [registry],
  });
}
