// Cost of the egress guard per request: guarded fetch vs undici's fetch on a plain Agent, both
// to a loopback HTTP server (allowlisted for the guard), same concurrency, alternating rounds.
// Also times the secret box (encrypt + decrypt of a 64-byte value).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Agent, fetch as undiciFetch } from 'undici';
import { createEgressGuard } from '../src/lib/egress/index.js';
import { createSecretBox } from '../src/lib/crypto/secret-box.js';

const CONCURRENCY = 16;
const ROUND_MS = 3000;
const ROUNDS = 4;

async function measure(fn: () => Promise<void>): Promise<{ rps: number; p50: number }> {
  const latencies: number[] = [];
  const deadline = Date.now() + ROUND_MS;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < deadline) {
        const t0 = performance.now();
        await fn();
        latencies.push(performance.now() - t0);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / ((performance.now() - started) / 1000), p50: latencies[Math.floor(latencies.length / 2)]! };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(): Promise<void> {
  const body = Buffer.alloc(512, 'x');
  const server = createServer((_req, res) => res.end(body));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const guard = createEgressGuard({
    config: {
      HIVE_EGRESS_FETCH_HOST_ALLOWLIST: 'localhost',
      HIVE_EGRESS_FETCH_MAX_REDIRECTS: 5,
      HIVE_EGRESS_FETCH_TIMEOUT_MS: 15_000,
      HIVE_EGRESS_FETCH_MAX_RESPONSE_BYTES: 10 * 1_048_576,
      HIVE_EGRESS_FETCH_ALLOWED_PORTS: String(port),
    },
    allowlist: () => [],
    resolve: async () => [{ address: '127.0.0.1', family: 4 }],
  });
  const agent = new Agent({ keepAliveTimeout: 4_000 });
  const url = `http://localhost:${port}/`;
  const guarded = async () => void (await (await guard.fetch(url)).arrayBuffer());
  const raw = async () => void (await (await undiciFetch(url, { dispatcher: agent })).arrayBuffer());
  await measure(guarded);
  await measure(raw); // warm-up
  const ratios: number[] = [];
  const g: { rps: number; p50: number }[] = [];
  const r: { rps: number; p50: number }[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const a = await measure(guarded);
    const b = await measure(raw);
    g.push(a);
    r.push(b);
    ratios.push(a.rps / b.rps);
  }
  await guard.close();
  await agent.close();
  server.close();

  const box = createSecretBox({ current: randomBytes(32).toString('hex') });
  const secret = randomBytes(32).toString('hex');
  const n = 50_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) box.decrypt(box.encrypt(secret));
  const boxUs = ((performance.now() - t0) * 1000) / n;

  const fmt = (x: number) => x.toFixed(2);
  process.stdout.write(
    `RESULT egress guarded_rps=${Math.round(median(g.map((x) => x.rps)))} raw_rps=${Math.round(median(r.map((x) => x.rps)))} ` +
      `ratio=${fmt(median(ratios))} guarded_p50_ms=${fmt(median(g.map((x) => x.p50)))} raw_p50_ms=${fmt(median(r.map((x) => x.p50)))} ` +
      `secretbox_roundtrip_us=${fmt(boxUs)}\n`,
  );
}
