// The one port every domain event goes through (agent lifecycle, config invalidation, WAN
// envelopes…). Transport: Kv pub/sub, so replicas sharing Redis see each other's events.
// The mesh module decorates this bus with signatures (meshSig) without changing the port.
import { randomUUID } from 'node:crypto';
import type { Kv } from '../kv/kv.js';

/** Channel names are part of the operator contract (spec §10 / mesh bus). */
export const CHANNELS = {
  system: 'hive:system:events',
  agentStatus: 'hive:agent:status',
} as const;

export interface MeshMeta {
  v: 1;
  producer: string;
  eventId: string;
  correlationId?: string;
  ts: string;
}

export interface BusEvent<T = unknown> {
  type: string;
  data: T;
  meshMeta: MeshMeta;
  meshSig?: string;
}

export interface PublishOptions {
  /** From X-Request-Id / traceparent of the request that caused the event. */
  correlationId?: string;
}

export type EventHandler = (event: BusEvent, channel: string) => void | Promise<void>;

export interface EventBus {
  publish<T>(channel: string, type: string, data: T, opts?: PublishOptions): Promise<BusEvent<T>>;
  /** Handlers only see events that pass the bus's checks (e.g. signatures); others are dropped. */
  subscribe(channel: string, handler: EventHandler): Promise<() => Promise<void>>;
}

/**
 * Message integrity (the mesh module's meshSig). `seal` turns an event into the wire message
 * carrying its signature; `open` returns the event of a message only when it is well-formed and
 * verifies, null otherwise (the implementation counts rejections). Working on the wire string
 * lets the implementation verify the exact bytes that were signed.
 */
export interface BusIntegrity {
  seal(channel: string, event: BusEvent): { message: string; meshSig: string };
  open(channel: string, message: string): BusEvent | null;
}

/** Messages on our channels that are not events of this bus are ignored (channels are shared). */
export function isBusEvent(value: unknown): value is BusEvent {
  const e = value as BusEvent | null;
  return typeof e?.type === 'string' && typeof e.meshMeta?.eventId === 'string';
}

export function createEventBus(deps: {
  kv: Kv;
  producer: string;
  onHandlerError?: (err: unknown) => void;
  integrity?: BusIntegrity;
}): EventBus {
  const { integrity } = deps;
  return {
    async publish(channel, type, data, opts = {}) {
      const event: BusEvent<typeof data> = {
        type,
        data,
        meshMeta: {
          v: 1 as const,
          producer: deps.producer,
          eventId: randomUUID(),
          ...(opts.correlationId ? { correlationId: opts.correlationId } : {}),
          ts: new Date().toISOString(),
        },
      };
      if (integrity) {
        const sealed = integrity.seal(channel, event);
        event.meshSig = sealed.meshSig;
        await deps.kv.publish(channel, sealed.message);
      } else {
        await deps.kv.publish(channel, JSON.stringify(event));
      }
      return event;
    },
    async subscribe(channel, handler) {
      return deps.kv.subscribe(channel, (message, ch) => {
        let event: BusEvent | null;
        if (integrity) {
          event = integrity.open(ch, message);
        } else {
          try {
            event = JSON.parse(message) as BusEvent;
          } catch {
            return; // not ours: the channel is shared with other producers
          }
          if (!isBusEvent(event)) return;
        }
        if (!event) return;
        Promise.resolve(handler(event, ch)).catch((err) => deps.onHandlerError?.(err));
      });
    },
  };
}
