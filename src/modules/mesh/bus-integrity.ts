// meshSig (spec §4.1 / §10 mesh pub/sub): with MESH_BUS_HMAC_SECRET set, every event the bus
// publishes carries HMAC-SHA256 over a canonical serialization of channel + type + data +
// meshMeta, and every in-app subscriber drops (and counts) messages that are unsigned or whose
// signature does not match.
//
// Signing input (fixed, so sidecars in other languages can sign and verify):
//   <channel> "\n" canonicalJson({ data, meshMeta, type })
// where canonicalJson is JSON with object keys sorted at every depth and no whitespace.
// The channel is included so an event cannot be replayed onto another channel.
//
// Wire format we publish: the canonical JSON with `,"meshSig":"<base64url>"` appended before the
// closing brace. Subscribers first try that shape (verify the received bytes: one HMAC, one
// parse) and otherwise re-serialize canonically (any key order is accepted).
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { Counter, type Registry } from 'prom-client';
import { isBusEvent, type BusEvent, type BusIntegrity } from '../../lib/events/event-bus.js';

const SIG_TAIL = /,"meshSig":"([A-Za-z0-9_-]{43})"\}$/;

// Strings that JSON writes verbatim between quotes (printable ASCII without " and \\): the
// common case, serialized without a call into JSON.stringify (this runs twice per bus message).
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const str = (s: string) => (s.length < 256 && PLAIN.test(s) ? `"${s}"` : JSON.stringify(s));

/** JSON with sorted object keys at every depth; arrays keep their order; undefined members dropped. */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return str(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      break;
    default:
      // undefined, functions, symbols (bigint throws, as in JSON.stringify)
      return JSON.stringify(value) ?? 'null';
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      const v = value[i];
      out += v === undefined || typeof v === 'function' || typeof v === 'symbol' ? 'null' : canonicalJson(v);
    }
    return `${out}]`;
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return canonicalJson((value as { toJSON(): unknown }).toJSON());
  const keys = Object.keys(value).sort();
  let out = '{';
  for (const k of keys) {
    const v = (value as Record<string, unknown>)[k];
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
    out += `${out.length > 1 ? ',' : ''}${str(k)}:${canonicalJson(v)}`;
  }
  return `${out}}`;
}

/** The canonical body of an event (what the wire message is, minus meshSig). */
export function canonicalEvent(event: Pick<BusEvent, 'type' | 'data' | 'meshMeta'>): string {
  return canonicalJson({ data: event.data, meshMeta: event.meshMeta, type: event.type });
}

export function signingInput(channel: string, event: Pick<BusEvent, 'type' | 'data' | 'meshMeta'>): string {
  return `${channel}\n${canonicalEvent(event)}`;
}

function hmac(key: KeyObject | string, channel: string, body: string): string {
  return createHmac('sha256', key).update(channel).update('\n').update(body).digest('base64url');
}

export function meshSignature(secret: string, channel: string, event: Pick<BusEvent, 'type' | 'data' | 'meshMeta'>): string {
  return hmac(secret, channel, canonicalEvent(event));
}

function sameSignature(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export type RejectReason = 'unsigned' | 'bad_signature';

export function createHmacBusIntegrity(deps: {
  secret: string;
  onRejected?: (channel: string, reason: RejectReason, event: BusEvent) => void;
}): BusIntegrity {
  const key = createSecretKey(Buffer.from(deps.secret, 'utf8'));
  return {
    seal(channel, event) {
      const body = canonicalEvent(event);
      const meshSig = hmac(key, channel, body);
      return { message: `${body.slice(0, -1)},"meshSig":"${meshSig}"}`, meshSig };
    },
    open(channel, message) {
      // Fast path: our own wire shape. The signature covers exactly the bytes we parse.
      const tail = SIG_TAIL.exec(message);
      if (tail) {
        const body = `${message.slice(0, tail.index)}}`;
        if (sameSignature(hmac(key, channel, body), tail[1]!)) {
          let event: unknown;
          try {
            event = JSON.parse(body);
          } catch {
            return null;
          }
          if (!isBusEvent(event)) return null;
          event.meshSig = tail[1]!;
          return event;
        }
      }
      // Any other serialization: parse, then verify over the canonical form.
      let event: unknown;
      try {
        event = JSON.parse(message);
      } catch {
        return null; // not ours: the channel is shared with other producers
      }
      if (!isBusEvent(event)) return null;
      if (typeof event.meshSig !== 'string' || event.meshSig.length === 0) {
        deps.onRejected?.(channel, 'unsigned', event);
        return null;
      }
      if (!sameSignature(hmac(key, channel, canonicalEvent(event)), event.meshSig)) {
        deps.onRejected?.(channel, 'bad_signature', event);
        return null;
      }
      return event;
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
