// End to end on the docker runtime: the echo agent package uploaded, started in a container,
// called through the A2A gateway, stopped. Skips (saying why) without a Docker-API engine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createTestUser, type TestUser } from '../helpers/identity.js';
import { rpc, sendMessage, V1 } from '../a2a/rpc.js';
import { echoPackage, upload } from './helpers.js';

const dockerHost = process.env.DOCKER_HOST;
const availability = dockerHost
  ? await createDockerRuntime({ dockerHost, uid: 65534 }).available()
  : ({ available: false, reason: 'DOCKER_HOST is not set' } as const);
if (!availability.available) console.warn(`a2a e2e on the docker runtime skipped: ${availability.reason}`);

describe.skipIf(!availability.available)('package agent in a docker container, called through the A2A gateway', () => {
  let t: TestApp;
  let op: TestUser;

  beforeAll(async () => {
    t = await createTestApp({ env: { DOCKER_HOST: dockerHost } });
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
    const logs = await t.app.inject({ method: 'GET', url: `/api/agents/${id}/logs?tail=20`, headers: op.headers });
    expect(logs.statusCode, logs.body).toBe(200);
    expect(logs.body).toContain('listening');

    const stopped = await t.app.inject({ method: 'POST', url: `/api/agents/${id}/stop`, headers: op.headers });
    expect(stopped.json()).toMatchObject({ status: 'stopped' });
  }, 180_000);
});
