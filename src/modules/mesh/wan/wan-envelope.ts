// wan-envelope-v1: what crosses between Pilox instances on the WAN path (ingress → Redis bus →
// worker → NATS JetStream or a webhook → the target instance). Strict: unknown fields are
// refused so producers cannot smuggle data past the size cap in undeclared keys.
import { z } from 'zod';

export const WAN_ENVELOPE_VERSION = 'wan-envelope-v1';
/** Serialized payload cap; the ingress body limit is a little larger for the envelope around it. */
export const MAX_WAN_PAYLOAD_BYTES = 64 * 1024;
export const WAN_INGRESS_BODY_LIMIT = MAX_WAN_PAYLOAD_BYTES + 8 * 1024;

/** Event types on hive:system:events. */
export const WAN_ENVELOPE_EVENT = 'mesh.wan.envelope';
export const WAN_DELIVERED_EVENT = 'mesh.wan.delivered';

const origin = z
  .string()
  .max(2048)
  .refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === v.replace(/\/$/, '');
    } catch {
      return false;
    }
  }, 'must be an http(s) origin (scheme://host[:port])')
  .transform((v) => new URL(v).origin);

export const wanEnvelopeSchema = z.strictObject({
  version: z.literal(WAN_ENVELOPE_VERSION),
  /** Also the de-duplication key end to end (JetStream Nats-Msg-Id, inbound Kv marker). */
  correlationId: z.string().min(8).max(128).regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : -'),
  sourceOrigin: origin,
  targetOrigin: origin,
  /** Who the envelope is for on the target (an agent slug or a mesh handle). */
  targetHandle: z.string().min(1).max(256).regex(/^[A-Za-z0-9._@:/-]+$/, 'letters, digits and . _ @ : / -'),
  payload: z
    .record(z.string().max(256), z.unknown())
    .refine((p) => Buffer.byteLength(JSON.stringify(p)) <= MAX_WAN_PAYLOAD_BYTES, `payload larger than ${MAX_WAN_PAYLOAD_BYTES} bytes`),
  sentAt: z.iso.datetime().optional(),
});

export type WanEnvelope = z.infer<typeof wanEnvelopeSchema>;
