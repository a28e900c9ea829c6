// SendMessage to the echo agent directly on its unix socket vs through Pilox's per-agent
// endpoint (auth, rate limit, task store, forwarding over the socket), same run, same load
// generator (autocannon: wrk cannot speak to a unix socket). Throughput at BENCH_CONNECTIONS,
// latency at one connection; rounds alternate so machine drift hits both alike.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { deleteKeysWithPrefix } from '../src/lib/kv/redis-kv.js';
import { median, result, root, startProcess } from './lib.js';

const TOKEN = 'bench-internal-token-0123456789abcdef0123';

const body = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'SendMessage',
  params: { message: { messageId: 'bench-1', role: 'ROLE_USER', parts: [{ text: 'hello from the benchmark' }] } },
});

async function startEcho(socketPath: string): Promise<() => Promise<void>> {
  const child = spawn(process.execPath, [join(root, 'test/fixtures/echo-agent/server.mjs')], {
    env: { PATH: process.env.PATH ?? '', PILOX_AGENT_SOCKET: socketPath },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d) => String(d).includes('listening') && resolve());
    child.on('exit', (code) => reject(new Error(`echo agent exited ${code}`)));
  });
  return async () => {
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
}

type Target = { url: string; socketPath?: string; headers: Record<string, string> };

async function hit(target: Target, connections: number, duration: number) {
  const r = await autocannon({
    url: target.url,
    socketPath: target.socketPath,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'a2a-version': '1.0', ...target.headers },
    body,
    connections,
    duration,
  });
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${target.url}: ${r.non2xx} non-2xx answers and ${r.errors} errors`);
  return { rps: r.requests.average };
}

/** Sequential calls on one kept-alive connection, timed one by one (autocannon rounds latency to whole ms). */
async function latency(target: Target, seconds: number): Promise<number> {
  const { request, Agent } = await import('undici');
  const dispatcher = new Agent(target.socketPath ? { connect: { socketPath: target.socketPath } } : {});
  const headers = { 'content-type': 'application/json', 'a2a-version': '1.0', ...target.headers };
  const samples: number[] = [];
  const end = performance.now() + seconds * 1000;
  try {
    while (performance.now() < end) {
      const t0 = performance.now();
      const res = await request(target.url, { method: 'POST', body, headers, dispatcher });
      await res.body.text();
      if (res.statusCode !== 200) throw new Error(`${target.url}: HTTP ${res.statusCode}`);
      samples.push(performance.now() - t0);
    }
  } finally {
    await dispatcher.close();
  }
  return median(samples);
}

async function check(target: Target): Promise<void> {
  const { request, Agent } = await import('undici');
  const dispatcher = target.socketPath ? new Agent({ connect: { socketPath: target.socketPath } }) : undefined;
  const res = await request(target.url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', 'a2a-version': '1.0', ...target.headers },
    dispatcher,
  });
  const json = (await res.body.json()) as { result?: { task?: { status?: { state?: string } } } };
  if (json.result?.task?.status?.state !== 'TASK_STATE_COMPLETED') throw new Error(`${target.url}: unexpected answer ${JSON.stringify(json)}`);
  await dispatcher?.close();
}

export async function run(): Promise<void> {
  const seconds = Number(process.env.BENCH_DURATION ?? 5);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 16);
  const store = process.env.BENCH_A2A_TASK_STORE ?? (process.env.REDIS_URL ? 'redis' : 'memory');
  const dir = mkdtempSync(join(tmpdir(), 'pilox-bench-a2a-'));
  const redisPrefix = `pilox:bench:${process.pid}:`;
  const socketPath = join(dir, 'echo.sock');
  const stopEcho = await startEcho(socketPath);
  let pilox: Awaited<ReturnType<typeof startProcess>>;
  try {
    pilox = await startProcess(['--import', 'tsx', join(root, 'bench/a2a-server.ts')], {
      PORT: '0',
      BENCH_AGENT_SOCKET: socketPath,
      HIVE_INTERNAL_TOKEN: TOKEN,
      A2A_RATE_LIMIT_MAX: '1000000',
      A2A_TASK_STORE: store,
      ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL, REDIS_KEY_PREFIX: redisPrefix } : {}),
      ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
    });
  } catch (err) {
    await stopEcho();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const direct: Target = { url: 'http://localhost/', socketPath, headers: {} };
  const gateway: Target = { url: `${pilox.url}/a2a/agents/echo`, headers: { authorization: `Bearer ${TOKEN}` } };
  try {
    await check(direct);
    await check(gateway);
    await hit(direct, connections, 2);
    await hit(gateway, connections, 2);
    const d = { rps: [] as number[], p50: [] as number[] };
    const g = { rps: [] as number[], p50: [] as number[] };
    for (let i = 0; i < rounds; i++) {
      d.rps.push((await hit(direct, connections, seconds)).rps);
      g.rps.push((await hit(gateway, connections, seconds)).rps);
      d.p50.push(await latency(direct, seconds));
      g.p50.push(await latency(gateway, seconds));
    }
    const ratios = g.rps.map((x, i) => x / d.rps[i]!);
    const added = g.p50.map((x, i) => x - d.p50[i]!);
    process.stdout.write(
      `a2a: task store ${store}, autocannon ${connections} connections for throughput, one sequential connection for latency, ` +
        `${rounds} rounds of ${seconds} s; p50 direct ${median(d.p50).toFixed(3)} ms, gateway ${median(g.p50).toFixed(3)} ms\n`,
    );
    result('a2a', {
      direct_rps: Math.round(median(d.rps)),
      gateway_rps: Math.round(median(g.rps)),
      ratio: median(ratios).toFixed(2),
      p50_added_ms: median(added).toFixed(2),
    });
  } finally {
    await pilox.stop();
    await stopEcho();
    rmSync(dir, { recursive: true, force: true });
    if (process.env.REDIS_URL) await deleteKeysWithPrefix(process.env.REDIS_URL, redisPrefix);
  }
}
