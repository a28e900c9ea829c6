// Chat completions through Pilox's LLM gateway (an agent's pilox.sock → provider lookup, limits,
// spend guard, forward through the egress guard, usage row) vs straight to the provider (the
// OpenAI-compatible fixture). Rounds alternate. Gateway side, by BENCH_LLM_FROM:
// - `sandbox` (default when bubblewrap works): a managed agent in the sandbox makes the calls
//   on its pilox.sock (bench/llm-sandbox-client) with node:http, N concurrent loops / one loop;
// - `socket`: this process calls a pilox.sock served by a Pilox process (autocannon).
// The direct side always uses node:http loops from this process in sandbox mode (same client
// code as inside the sandbox) and autocannon in socket mode.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { median, result, root } from './lib.js';
import { createSandboxDriver } from '../src/runtime/sandbox-driver.js';

const body = JSON.stringify({ model: 'fixture-small', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hello from the benchmark' }] });

async function start(script: string, env: Record<string, string>): Promise<{ address: string; child: ChildProcess; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, script)], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
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

/** Sends one command to the sandboxed client and waits for its `result {json}` line. */
function ask(child: ChildProcess, command: string): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d;
      const m = /result (\{.*\})\n/.exec(out);
      if (m) {
        child.stdout!.off('data', onData);
        const r = JSON.parse(m[1]!) as Record<string, number> & { error?: string };
        if (r.error) reject(new Error(`sandboxed client: ${r.error}`));
        else resolve(r);
      }
    };
    child.stdout!.on('data', onData);
    child.stdin!.write(`${command}\n`);
  });
}

/** The same node:http loops the sandboxed client runs, against the fixture directly. */
async function directLoops(url: string, mode: 'latency' | 'rps', seconds: number, connections: number): Promise<number> {
  const { Agent, request } = await import('node:http');
  const agent = new Agent({ keepAlive: true, maxSockets: mode === 'rps' ? connections : 1 });
  const u = new URL(url);
  const call = () =>
    new Promise<void>((resolve, reject) => {
      const req = request({ host: u.hostname, port: u.port, path: u.pathname, agent, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(body);
    });
  const end = performance.now() + seconds * 1000;
  try {
    if (mode === 'latency') {
      const samples: number[] = [];
      while (performance.now() < end) {
        const t0 = performance.now();
        await call();
        samples.push(performance.now() - t0);
      }
      return median(samples);
    }
    let done = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (performance.now() < end) {
          await call();
          done++;
        }
      }),
    );
    return done / ((performance.now() - t0) / 1000);
  } finally {
    agent.destroy();
  }
}

async function runFromSandbox(seconds: number, rounds: number, connections: number): Promise<void> {
  const fixture = await start('bench/llm-fixture-server.ts', {});
  let pilox;
  try {
    pilox = await start('bench/llm-gateway-sandbox-server.ts', { BENCH_FIXTURE_URL: fixture.address });
  } catch (err) {
    await fixture.stop();
    throw err;
  }
  const direct = `${fixture.address}/chat/completions`;
  try {
    await ask(pilox.child, 'latency 0.3');
    await directLoops(direct, 'latency', 0.3, 1);
    const d = { rps: [] as number[], p50: [] as number[] };
    const g = { rps: [] as number[], p50: [] as number[] };
    for (let i = 0; i < rounds; i++) {
      d.rps.push(await directLoops(direct, 'rps', seconds, connections));
      g.rps.push((await ask(pilox.child, `rps ${seconds} ${connections}`)).rps!);
      d.p50.push(await directLoops(direct, 'latency', seconds, 1));
      g.p50.push((await ask(pilox.child, `latency ${seconds}`)).p50_ms!);
    }
    process.stdout.write(
      `llm-gateway: from inside a sandbox (managed agent, node:http over pilox.sock) vs direct (same client code, loopback TCP); ` +
        `${connections} concurrent loops for throughput, one sequential loop for latency, ${rounds} rounds of ${seconds} s; ` +
        `p50 direct ${median(d.p50).toFixed(3)} ms, gateway ${median(g.p50).toFixed(3)} ms\n`,
    );
    result('llm-gateway', {
      direct_rps: Math.round(median(d.rps)),
      gateway_rps: Math.round(median(g.rps)),
      ratio: median(g.rps.map((x, i) => x / d.rps[i]!)).toFixed(2),
      p50_added_ms: median(g.p50.map((x, i) => x - d.p50[i]!)).toFixed(2),
    });
  } finally {
    pilox.child.stdin!.end();
    await pilox.stop();
    await fixture.stop();
  }
}

export async function run(): Promise<void> {
  const from = process.env.BENCH_LLM_FROM ?? ((await createSandboxDriver({ uid: 65534 }).available()).available ? 'sandbox' : 'socket');
  if (from === 'sandbox') {
    return runFromSandbox(Number(process.env.BENCH_DURATION ?? 4), Number(process.env.BENCH_ROUNDS ?? 3), Number(process.env.BENCH_CONNECTIONS ?? 16));
  }
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
