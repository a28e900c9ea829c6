// Chat completions through Pilox's LLM gateway (an agent's pilox.sock → provider lookup, limits,
// spend guard, forward through the egress guard, usage row) vs straight to the provider (the
// OpenAI-compatible fixture). Three processes: fixture, gateway, load generator. Throughput at
// BENCH_CONNECTIONS with autocannon, latency on one sequential connection; rounds alternate.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { median, result, root } from './lib.js';

const body = JSON.stringify({ model: 'fixture-small', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hello from the benchmark' }] });

async function start(script: string, env: Record<string, string>): Promise<{ address: string; child: ChildProcess; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, script)], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const address = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`${script} exited with ${code}: ${out}`)));
  });
  return {
    address,
    child,
    async stop() {
      const exited = new Promise((r) => child.on('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

type Target = { url: string; socketPath?: string };

async function hit(target: Target, connections: number, duration: number) {
  const r = await autocannon({ url: target.url, socketPath: target.socketPath, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections, duration });
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${target.url}: ${r.non2xx} non-2xx answers and ${r.errors} errors`);
  return r.requests.average;
}

async function latency(target: Target, seconds: number): Promise<number> {
  const { request, Agent } = await import('undici');
  const dispatcher = new Agent(target.socketPath ? { connect: { socketPath: target.socketPath } } : {});
  const samples: number[] = [];
  const end = performance.now() + seconds * 1000;
  try {
    while (performance.now() < end) {
      const t0 = performance.now();
      const res = await request(target.url, { method: 'POST', body, headers: { 'content-type': 'application/json' }, dispatcher });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`${target.url}: HTTP ${res.statusCode} ${text}`);
      samples.push(performance.now() - t0);
    }
  } finally {
    await dispatcher.close();
  }
  return median(samples);
}

export async function run(): Promise<void> {
  const seconds = Number(process.env.BENCH_DURATION ?? 4);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 16);
  const fixture = await start('bench/llm-fixture-server.ts', {});
  let gateway;
  try {
    gateway = await start('bench/llm-gateway-server.ts', { BENCH_FIXTURE_URL: fixture.address });
  } catch (err) {
    await fixture.stop();
    throw err;
  }
  const direct: Target = { url: `${fixture.address}/chat/completions` };
  const viaGateway: Target = { url: 'http://agent/v1/chat/completions', socketPath: gateway.address };
  try {
    await latency(direct, 0.2);
    await latency(viaGateway, 0.2);
    await hit(direct, connections, 1);
    await hit(viaGateway, connections, 1);
    const d = { rps: [] as number[], p50: [] as number[] };
    const g = { rps: [] as number[], p50: [] as number[] };
    for (let i = 0; i < rounds; i++) {
      d.rps.push(await hit(direct, connections, seconds));
      g.rps.push(await hit(viaGateway, connections, seconds));
      d.p50.push(await latency(direct, seconds));
      g.p50.push(await latency(viaGateway, seconds));
    }
    process.stdout.write(
      `llm-gateway: non-streamed completions, autocannon ${connections} connections for throughput, one sequential connection for latency, ` +
        `${rounds} rounds of ${seconds} s; p50 direct ${median(d.p50).toFixed(3)} ms, gateway ${median(g.p50).toFixed(3)} ms\n`,
    );
    result('llm-gateway', {
      direct_rps: Math.round(median(d.rps)),
      gateway_rps: Math.round(median(g.rps)),
      ratio: median(g.rps.map((x, i) => x / d.rps[i]!)).toFixed(2),
      p50_added_ms: median(g.p50.map((x, i) => x - d.p50[i]!)).toFixed(2),
    });
  } finally {
    await gateway.stop();
    await fixture.stop();
  }
}
