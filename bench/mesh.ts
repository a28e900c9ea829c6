// Cost of the signed mesh bus: events published with meshSig and received through a verifying
// subscriber (the EventBus the app uses with MESH_BUS_HMAC_SECRET) vs the same JSON messages on
// raw Kv pub/sub, over Redis (BENCH_REDIS_URL, default redis://127.0.0.1:6379). Throughput is
// publish → last message received, alternating rounds; ratio = median of back-to-back pairs.
import { randomBytes } from 'node:crypto';
import { createEventBus } from '../src/lib/events/event-bus.js';
import { createRedisKv, deleteKeysWithPrefix } from '../src/lib/kv/redis-kv.js';
import type { Kv } from '../src/lib/kv/kv.js';
import { createHmacBusIntegrity } from '../src/modules/mesh/bus-integrity.js';

const REDIS_URL = process.env.BENCH_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const MESSAGES = 20_000;
const IN_FLIGHT = 256;
const ROUNDS = 7;
const SECRET = randomBytes(32).toString('hex');

// A typical domain event: an agent status change with a little metadata.
const data = {
  agentId: '7f1c2f5e-6a43-4d3e-9d0b-3c1f2a9e8b71',
  slug: 'support-bot',
  status: 'running',
  previous: 'starting',
  runtime: { kind: 'sandbox', pid: 41234, memoryMb: 256 },
  labels: ['prod', 'eu-west'],
};

async function round(kind: 'signed' | 'raw', pub: Kv, sub: Kv, channel: string): Promise<number> {
  let received = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const onMessage = () => {
    if (++received === MESSAGES) resolveDone();
  };
  let off: () => Promise<void>;
  let send: (i: number) => Promise<unknown>;
  if (kind === 'signed') {
    const integrity = createHmacBusIntegrity({ secret: SECRET });
    const publisher = createEventBus({ kv: pub, producer: 'bench', integrity });
    const subscriber = createEventBus({ kv: sub, producer: 'bench', integrity });
    off = await subscriber.subscribe(channel, onMessage);
    send = (i) => publisher.publish(channel, 'agent.status', { ...data, seq: i }, { correlationId: `req-${i}` });
  } else {
    off = await sub.subscribe(channel, (message) => {
      JSON.parse(message); // a raw subscriber still has to read the message
      onMessage();
    });
    send = (i) =>
      pub.publish(
        channel,
        JSON.stringify({
          type: 'agent.status',
          data: { ...data, seq: i },
          meshMeta: { v: 1, producer: 'bench', eventId: `e-${i}`, correlationId: `req-${i}`, ts: new Date().toISOString() },
        }),
      );
  }
  const started = performance.now();
  for (let i = 0; i < MESSAGES; i += IN_FLIGHT) {
    const batch: Promise<unknown>[] = [];
    for (let j = i; j < Math.min(i + IN_FLIGHT, MESSAGES); j++) batch.push(send(j));
    await Promise.all(batch);
  }
  await done;
  const rate = MESSAGES / ((performance.now() - started) / 1000);
  await off();
  return rate;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(): Promise<void> {
  const prefix = `pilox:bench:mesh:${randomBytes(3).toString('hex')}:`;
  const pub = await createRedisKv({ url: REDIS_URL, prefix });
  const sub = await createRedisKv({ url: REDIS_URL, prefix });
  const channel = 'hive:system:events';
  try {
    await round('signed', pub, sub, channel); // warm-up
    await round('raw', pub, sub, channel);
    const signed: number[] = [];
    const raw: number[] = [];
    const ratios: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const s = await round('signed', pub, sub, channel);
      const r = await round('raw', pub, sub, channel);
      signed.push(s);
      raw.push(r);
      ratios.push(s / r);
      process.stderr.write(`round ${i + 1}: signed=${Math.round(s)}/s raw=${Math.round(r)}/s\n`);
    }
    process.stdout.write(
      `RESULT mesh signed_msgs_per_s=${Math.round(median(signed))} raw_msgs_per_s=${Math.round(median(raw))} ratio=${median(ratios).toFixed(2)}\n`,
    );
  } finally {
    await pub.close();
    await sub.close();
    await deleteKeysWithPrefix(REDIS_URL, prefix).catch(() => {});
  }
}
