// End to end on the docker runtime: the echo agent package uploaded, started in a container,
// called through the A2A gateway, stopped. Skips (saying why) without a Docker-API engine.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentPaths } from '../../src/modules/agents/agents.lifecycle.js';
import type { AgentHostHandler } from '../../src/runtime/agent-host.js';
import { createDockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createTestUser, type TestUser } from '../helpers/identity.js';
import { rpc, sendMessage, V1 } from '../a2a/rpc.js';
import { echoPackage, scriptPackage, upload, waitFor } from './helpers.js';

const dockerHost = process.env.DOCKER_HOST;
const availability = dockerHost
  ? await createDockerRuntime({ dockerHost, uid: 65534 }).available()
  : ({ available: false, reason: 'DOCKER_HOST is not set' } as const);
if (!availability.available) console.warn(`a2a e2e on the docker runtime skipped: ${availability.reason}`);

/** Pilox's side of pilox.sock in these tests: says who it thinks is calling. */
const hostHandler: AgentHostHandler = (agent, req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ hello: agent.slug, path: req.url }));
};

// Runs as PILOX_SANDBOX_UID inside the container: asks pilox.sock and writes what it got.
const HOST_CALLER = `
import { request } from 'node:http';
import { writeFileSync } from 'node:fs';
const out = (s) => { writeFileSync(process.env.PILOX_WORK_DIR + '/host-answer.txt', s); process.exit(0); };
const req = request({ socketPath: process.env.PILOX_HOST_SOCKET, path: '/ping', method: 'GET' }, (res) => {
  let body = '';
  res.on('data', (c) => (body += c));
  res.on('end', () => out(res.statusCode + ' ' + body));
});
req.on('error', (err) => out('ERROR ' + err.code));
req.end();
`;

describe.skipIf(!availability.available)('package agent in a docker container, called through the A2A gateway', () => {
  let t: TestApp;
  let op: TestUser;

  beforeAll(async () => {
    t = await createTestApp({ env: { DOCKER_HOST: dockerHost }, overrides: { agentHostHandler: hostHandler } });
    op = await createTestUser(t, 'operator');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('uploads, starts, answers over A2A, reports stats and logs, stops', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/agents',
      headers: op.headers,
      payload: { slug: 'docker-echo', name: 'Echo', kind: 'package', runtime: 'docker', visibility: 'private' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const { id } = created.json() as { id: string };
    expect((await upload(t, op.headers.authorization, id, await echoPackage())).statusCode).toBe(200);
    const started = await t.app.inject({ method: 'POST', url: `/api/agents/${id}/start`, headers: op.headers });
    expect(started.json(), started.body).toMatchObject({ status: 'ready', runtime: 'docker' });

    const answer = await rpc(t, '/a2a/agents/docker-echo', sendMessage('hello container'), { ...V1, authorization: op.headers.authorization });
    expect(answer.status, answer.raw).toBe(200);
    expect(answer.raw).toContain('hello container');

    const stats = await t.app.inject({ method: 'GET', url: `/api/agents/${id}/stats`, headers: op.headers });
    expect(stats.statusCode, stats.body).toBe(200);
    // Container output is copied into the agent's log files by a pump: give it a moment.
    let logs = await t.app.inject({ method: 'GET', url: `/api/agents/${id}/logs?tail=20`, headers: op.headers });
    for (let i = 0; i < 50 && logs.statusCode === 200 && !logs.body.includes('listening'); i++) {
      await new Promise((r) => setTimeout(r, 200));
      logs = await t.app.inject({ method: 'GET', url: `/api/agents/${id}/logs?tail=20`, headers: op.headers });
    }
    expect(logs.statusCode, logs.body).toBe(200);
    expect(logs.body).toContain('listening');

    const stopped = await t.app.inject({ method: 'POST', url: `/api/agents/${id}/stop`, headers: op.headers });
    expect(stopped.json()).toMatchObject({ status: 'stopped' });
  }, 180_000);

  it('a process inside the container reaches pilox.sock and gets the host handler answer', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/agents',
      headers: op.headers,
      payload: { slug: 'docker-host-caller', name: 'Host caller', kind: 'package', runtime: 'docker', visibility: 'private' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const { id } = created.json() as { id: string };
    expect((await upload(t, op.headers.authorization, id, await scriptPackage(HOST_CALLER))).statusCode).toBe(200);
    // It exits after one call, so it never becomes ready: only the answer it wrote matters.
    await t.app.inject({ method: 'POST', url: `/api/agents/${id}/start`, headers: op.headers });
    const file = join(agentPaths(t.config.dataDir, id).workDir, 'host-answer.txt');
    await waitFor(async () => existsSync(file), (ok) => ok, 60_000);
    expect(readFileSync(file, 'utf8')).toBe(`200 ${JSON.stringify({ hello: 'docker-host-caller', path: '/ping' })}`);
    await t.app.inject({ method: 'POST', url: `/api/agents/${id}/stop`, headers: op.headers });
  }, 180_000);
});
