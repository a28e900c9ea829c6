// The WAN worker (`pilox mesh wan-worker`, MESH_WAN_REDIS_WORKER_MODE): carries the
// mesh.wan.envelope events of the (signed) bus off the instance.
// - webhook: POSTs each envelope to MESH_WAN_REDIS_WORKER_WEBHOOK_URL through the egress guard,
//   once per correlation id across replicas (Kv marker), with retries.
// - nats: publishes to a JetStream stream with Nats-Msg-Id = correlation id, so replicas that
//   all see the event store it once (duplicate window); consumes the subject of this instance's
//   origin with explicit acks (at-least-once) and re-publishes each envelope locally as
//   mesh.wan.delivered exactly once per correlation id (Kv marker before the ack).
// Daemon contract (ARCHITECTURE rule 8): start → { stop }, idempotent, safe with replicas.
import { createHash } from 'node:crypto';
import { AckPolicy, jetstream, jetstreamManager, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import { CHANNELS, type BusEvent, type EventBus } from '../../../lib/events/event-bus.js';
import type { EgressRequestInit } from '../../../lib/egress/index.js';
import type { Kv } from '../../../lib/kv/kv.js';
import type { Logger } from '../../../lib/logger.js';
import { WAN_DELIVERED_EVENT, WAN_ENVELOPE_EVENT, wanEnvelopeSchema, type WanEnvelope } from './wan-envelope.js';

const DEDUPE_TTL_MS = 24 * 3600_000;
const DUPLICATE_WINDOW_MS = 10 * 60_000;
const WEBHOOK_ATTEMPTS = 5;

export type WanWorkerMode =
  | { kind: 'webhook'; url: string; fetch: (url: string, init?: EgressRequestInit) => Promise<Response>; timeoutMs?: number }
  | { kind: 'nats'; url: string; stream: string };

export interface WanWorkerDeps {
  events: EventBus;
  kv: Kv;
  /** This instance's public origin: envelopes addressed to it are delivered here. */
  origin: string;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  mode: WanWorkerMode;
  /** Backoff base for webhook retries (tests shorten it). */
  retryBaseMs?: number;
}

export interface WanWorker {
  stop(): Promise<void>;
}

/** One subject per target origin; hashed so any origin makes a valid subject token. */
export const targetSubject = (stream: string, origin: string) =>
  `${stream}.to.${createHash('sha256').update(origin).digest('hex').slice(0, 32)}`;

function envelopeOf(event: BusEvent): WanEnvelope | null {
  if (event.type !== WAN_ENVELOPE_EVENT) return null;
  const parsed = wanEnvelopeSchema.safeParse(event.data);
  return parsed.success ? parsed.data : null;
}

async function deliverLocally(deps: WanWorkerDeps, envelope: WanEnvelope): Promise<'delivered' | 'duplicate'> {
  const key = `hive:mesh:wan:delivered:${envelope.correlationId}`;
  if (!(await deps.kv.set(key, '1', { nx: true, ttlMs: DEDUPE_TTL_MS }))) return 'duplicate';
  try {
    await deps.events.publish(CHANNELS.system, WAN_DELIVERED_EVENT, envelope, { correlationId: envelope.correlationId });
  } catch (err) {
    // Not delivered: let the redelivery (or retry) try again.
    await deps.kv.del(key).catch(() => {});
    throw err;
  }
  return 'delivered';
}

async function startWebhook(deps: WanWorkerDeps, mode: Extract<WanWorkerMode, { kind: 'webhook' }>): Promise<WanWorker> {
  const inFlight = new Set<Promise<void>>();
  let stopping = false;
  const post = async (envelope: WanEnvelope) => {
    const key = `hive:mesh:wan:webhook:${envelope.correlationId}`;
    if (!(await deps.kv.set(key, '1', { nx: true, ttlMs: DEDUPE_TTL_MS }))) return;
    for (let attempt = 1; attempt <= WEBHOOK_ATTEMPTS && !stopping; attempt++) {
      try {
        const res = await mode.fetch(mode.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-pilox-wan-correlation-id': envelope.correlationId },
          body: JSON.stringify(envelope),
          timeoutMs: mode.timeoutMs ?? 15_000,
          maxRedirects: 0,
        });
        await res.body?.cancel().catch(() => {});
        if (res.ok) return;
        // 4xx other than 408/429 will not get better by retrying.
        if (res.status < 500 && res.status !== 408 && res.status !== 429) {
          deps.logger.warn({ status: res.status, correlationId: envelope.correlationId }, 'wan worker: webhook refused the envelope');
          return;
        }
      } catch (err) {
        deps.logger.warn({ err, attempt, correlationId: envelope.correlationId }, 'wan worker: webhook delivery failed');
      }
      await new Promise((r) => setTimeout(r, (deps.retryBaseMs ?? 500) * 2 ** (attempt - 1)));
    }
    // Give another replica (or a later redelivery) the chance to deliver it.
    await deps.kv.del(key).catch(() => {});
    deps.logger.error({ correlationId: envelope.correlationId }, 'wan worker: webhook delivery abandoned');
  };
  const off = await deps.events.subscribe(CHANNELS.system, (event) => {
    const envelope = envelopeOf(event);
    if (!envelope || stopping) return;
    const p = post(envelope).catch((err) => deps.logger.error({ err }, 'wan worker: webhook'));
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  });
  deps.logger.info({ mode: 'webhook' }, 'wan worker started');
  return {
    async stop() {
      stopping = true;
      await off();
      await Promise.allSettled([...inFlight]);
    },
  };
}

async function ensureStream(nc: NatsConnection, stream: string): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const config = { subjects: [`${stream}.>`], duplicate_window: nanos(DUPLICATE_WINDOW_MS), max_age: nanos(7 * DEDUPE_TTL_MS) };
  try {
    await jsm.streams.info(stream);
  } catch {
    try {
      await jsm.streams.add({ name: stream, ...config });
    } catch (err) {
      // Another replica created it between our two calls.
      await jsm.streams.info(stream).catch(() => {
        throw err;
      });
    }
  }
}

async function startNats(deps: WanWorkerDeps, mode: Extract<WanWorkerMode, { kind: 'nats' }>): Promise<WanWorker> {
  const nc = await connect({ servers: mode.url.split(',').map((s) => s.trim()), name: `pilox-wan-worker ${deps.origin}` });
  let messages: ConsumerMessages | undefined;
  let off: (() => Promise<void>) | undefined;
  try {
    await ensureStream(nc, mode.stream);
    const js = jetstream(nc);
    const jsm = await jetstreamManager(nc);
    const inbound = targetSubject(mode.stream, deps.origin);
    const durable = `in-${inbound.slice(inbound.lastIndexOf('.') + 1)}`;
    // Replicas of this instance share the durable consumer: each message goes to one of them.
    await jsm.consumers.add(mode.stream, {
      durable_name: durable,
      filter_subject: inbound,
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(30_000),
      max_deliver: 50,
    });
    const consumer = await js.consumers.get(mode.stream, durable);
    messages = await consumer.consume({ max_messages: 64 });
    const handle = async (m: JsMsg) => {
      const parsed = wanEnvelopeSchema.safeParse((() => {
        try {
          return m.json();
        } catch {
          return null;
        }
      })());
      if (!parsed.success) {
        deps.logger.warn({ subject: m.subject, seq: m.seq }, 'wan worker: dropping a message that is not a wan-envelope-v1');
        m.term();
        return;
      }
      try {
        await deliverLocally(deps, parsed.data);
        m.ack();
      } catch (err) {
        deps.logger.warn({ err, correlationId: parsed.data.correlationId }, 'wan worker: local delivery failed, will be redelivered');
        m.nak(1000);
      }
    };
    const consuming = (async () => {
      for await (const m of messages!) await handle(m);
    })().catch((err) => deps.logger.error({ err }, 'wan worker: consumer stopped'));

    off = await deps.events.subscribe(CHANNELS.system, async (event) => {
      const envelope = envelopeOf(event);
      if (!envelope) return;
      try {
        if (envelope.targetOrigin === deps.origin) {
          await deliverLocally(deps, envelope);
          return;
        }
        // Nats-Msg-Id: every replica publishes, JetStream keeps one (duplicate window).
        await js.publish(targetSubject(mode.stream, envelope.targetOrigin), JSON.stringify(envelope), { msgID: envelope.correlationId });
      } catch (err) {
        deps.logger.error({ err, correlationId: envelope.correlationId }, 'wan worker: could not hand the envelope to JetStream');
      }
    });
    deps.logger.info({ mode: 'nats', stream: mode.stream, subject: inbound }, 'wan worker started');
    return {
      async stop() {
        await off?.();
        messages?.stop();
        await consuming;
        await nc.drain().catch(() => {});
      },
    };
  } catch (err) {
    await off?.().catch(() => {});
    messages?.stop();
    await nc.close().catch(() => {});
    throw err;
  }
}

export function startWanWorker(deps: WanWorkerDeps): Promise<WanWorker> {
  return deps.mode.kind === 'webhook' ? startWebhook(deps, deps.mode) : startNats(deps, deps.mode);
}
