// Runs INSIDE a sandbox, in place of the managed-agent runner, for the llm-gateway benchmark: a
// minimal A2A 0.3 agent on PILOX_AGENT_SOCKET whose `message/send` "latency <s>" or
// "rps <s> <connections>" times chat completions against the gateway on PILOX_HOST_SOCKET and
// answers with the numbers as JSON. Dependency-free (only node exists in the sandbox).
/* global performance, Buffer */
import { Agent, createServer, request } from 'node:http';

const host = process.env.PILOX_HOST_SOCKET;
const body = JSON.stringify({ model: 'fixture-small', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hello from the benchmark' }] });
const card = JSON.stringify({
  name: 'llm bench client', description: 'bench', version: '1.0.0', protocolVersion: '0.3.0', url: 'http://agent/',
  capabilities: {}, defaultInputModes: ['text/plain'], defaultOutputModes: ['text/plain'], skills: [],
});

function call(agent) {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: host, agent, method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function latency(seconds) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const samples = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const t0 = performance.now();
    await call(agent);
    samples.push(performance.now() - t0);
  }
  agent.destroy();
  samples.sort((a, b) => a - b);
  return { p50_ms: samples[Math.floor(samples.length / 2)], n: samples.length };
}

async function rps(seconds, connections) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  let done = 0;
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: connections }, async () => {
    while (performance.now() < end) {
      await call(agent);
      done++;
    }
  }));
  agent.destroy();
  return { rps: done / ((performance.now() - t0) / 1000), n: done };
}

createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(card);
  }
  let raw = '';
  req.on('data', (c) => (raw += c));
  req.on('end', async () => {
    const rpc = JSON.parse(raw);
    const text = (rpc.params?.message?.parts ?? []).map((p) => p.text ?? '').join('');
    const [what, s, c] = text.split(' ');
    let result;
    try {
      result = what === 'rps' ? await rps(Number(s), Number(c)) : await latency(Number(s));
    } catch (err) {
      result = { error: String(err) };
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ jsonrpc: '2.0', id: rpc.id, result: { kind: 'message', messageId: `m-${Date.now()}`, role: 'agent', parts: [{ kind: 'text', text: JSON.stringify(result) }] } }));
  });
}).listen(process.env.PILOX_AGENT_SOCKET, () => process.stdout.write('bench client ready\n'));
process.on('SIGTERM', () => process.exit(0));
