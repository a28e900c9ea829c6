// The docker runtime driver against a real Docker-API engine (CI: podman's compat service started
// by scripts/podman-service.sh; DOCKER_HOST points at it). Skips, saying why, when none answers.
import { connect, createServer, type Server } from 'node:net';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerRuntime, type DockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { ensureNodeImage } from '../../src/runtime/docker/node-image.js';
import { pinAgentSocket } from '../../src/runtime/agent-socket.js';
import { describeRuntimeContract } from '../../src/runtime/runtime.contract.js';
import type { AgentStartSpec, InstanceRef, LogLine, RuntimeExit } from '../../src/runtime/runtime.js';
import { getCard, sendText, waitFor } from './docker-helpers.js';

const dockerHost = process.env.DOCKER_HOST;
const UID = 65534;
const ECHO_DIR = resolve('test/fixtures/echo-agent');
const PROBE_DIR = resolve('test/fixtures/docker-probe');

const probeRuntime = createDockerRuntime({ dockerHost, uid: UID });
const availability = dockerHost
  ? await probeRuntime.available()
  : ({ available: false, reason: 'DOCKER_HOST is not set (CI sets it from scripts/podman-service.sh)' } as const);
const skipReason = availability.available ? null : availability.reason;
if (skipReason) console.warn(`[docker runtime tests] SKIPPED: ${skipReason}`);

describe('docker runtime availability', () => {
  it.skipIf(!skipReason)(`docker runtime tests skipped: ${skipReason ?? ''}`, () => {
    expect(skipReason).toBeTruthy();
  });

  it('says why when there is no Docker socket', async () => {
    const rt = createDockerRuntime({ dockerHost: 'unix:///nonexistent/docker.sock', uid: UID });
    expect(await rt.available()).toEqual({ available: false, reason: 'no Docker socket at /nonexistent/docker.sock (set DOCKER_HOST)' });
    rt.close();
  });
});

// The suite every driver passes (built by the runtimes work); the node image is built up front so
// its first start does not pay for it.
const testImage = skipReason ? undefined : await ensureNodeImage(probeRuntime.docker, { repo: 'pilox-test/node-agent' });
describe.skipIf(!!skipReason)('docker runtime: shared contract', () => {
  describeRuntimeContract('docker', () => createDockerRuntime({ dockerHost, uid: UID, nodeImage: testImage }), { isolated: true });
});

describe.skipIf(!!skipReason)('docker runtime driver', () => {
  let runtime: DockerRuntime;
  let base: string;
  const running: InstanceRef[] = [];
  let n = 0;

  beforeAll(async () => {
    runtime = createDockerRuntime({ dockerHost, uid: UID, nodeImage: testImage });
    base = await mkdtemp(join(tmpdir(), 'pilox-docker-rt-'));
  });

  afterAll(async () => {
    for (const ref of running) await runtime.stop(ref, { graceMs: 0 }).catch(() => undefined);
    runtime.close();
    if (base) await rm(base, { recursive: true, force: true });
  }, 120_000);

  async function startNode(
    entry: string,
    readOnlyDir: string,
    extra: { args?: string[]; memoryMb?: number; exits?: RuntimeExit[] } = {},
  ): Promise<{ ref: InstanceRef; spec: AgentStartSpec }> {
    const id = `t${process.pid}-${++n}-${Date.now().toString(36)}`;
    const dir = join(base, id);
    const spec: AgentStartSpec = {
      agentId: id,
      slug: `agent-${n}`,
      program: { kind: 'node', entry, args: extra.args ?? [], readOnlyPaths: [readOnlyDir] },
      env: { PROBE_PLAIN: 'yes' },
      limits: { memoryMb: extra.memoryMb ?? 128, cpuShares: 512, pids: 64 },
      workDir: join(dir, 'work'),
      socketDir: join(dir, 'sock'),
      logDir: join(dir, 'logs'),
      onExit: (e) => extra.exits?.push(e),
    };
    const ref = await runtime.start(spec);
    running.push(ref);
    return { ref, spec };
  }

  async function collect(ref: InstanceRef, tail = 200): Promise<LogLine[]> {
    const out: LogLine[] = [];
    for await (const l of runtime.logs(ref, { tail })) out.push(l);
    return out;
  }

  async function probeResult(ref: InstanceRef): Promise<Record<string, unknown>> {
    const line = await waitFor(async () => (await collect(ref)).find((l) => l.line.startsWith('PROBE ')), 60_000);
    return JSON.parse(line.line.slice('PROBE '.length)) as Record<string, unknown>;
  }

  it('reports itself available', async () => {
    expect(await runtime.available()).toEqual({ available: true });
  });

  it('runs a package agent: ready, call over the socket, logs, stats, pause/resume, stop', async () => {
    const exits: RuntimeExit[] = [];
    const { ref } = await startNode(join(ECHO_DIR, 'server.mjs'), ECHO_DIR, { exits });
    expect(ref.driver).toBe('docker');
    const endpoint = runtime.endpoint(ref);
    expect(endpoint).toEqual({ kind: 'unix', socketPath: join(ref.socketDir, 'agent.sock') });
    if (endpoint.kind !== 'unix') throw new Error('unix endpoint expected');

    const card = await waitFor(() => getCard(endpoint.socketPath), 60_000);
    expect(card.name).toBeTruthy();
    expect(await sendText(endpoint.socketPath, 'hello from the host')).toContain('hello from the host');
    expect(await runtime.inspect(ref)).toEqual({ state: 'running' });

    const lines = await collect(ref);
    expect(lines.some((l) => l.stream === 'stdout' && l.line.includes('echo-agent listening on /run/pilox/agent.sock'))).toBe(true);
    expect(Number.isNaN(Date.parse(lines[0]!.ts))).toBe(false);

    const st = await runtime.stats(ref);
    expect(st.memoryBytes).toBeGreaterThan(0);
    expect(st.memoryLimitBytes).toBe(128 * 1024 * 1024);
    expect(st.pids).toBeGreaterThanOrEqual(1);
    expect(st.cpuSeconds).toBeGreaterThan(0);

    await runtime.pause(ref);
    expect(await runtime.inspect(ref)).toEqual({ state: 'paused' });
    await runtime.pause(ref); // idempotent
    await runtime.resume(ref);
    expect(await runtime.inspect(ref)).toEqual({ state: 'running' });
    expect(await sendText(endpoint.socketPath, 'after resume')).toContain('after resume');

    await runtime.pause(ref); // stopping a paused agent works too
    await runtime.stop(ref, { graceMs: 5000 });
    await runtime.stop(ref); // idempotent
    const after = await runtime.inspect(ref);
    expect(after.state).toBe('exited');
    if (after.state === 'exited') expect(after.exit).toMatchObject({ requested: true, reason: 'stopped' });
    await waitFor(() => exits.length > 0 || undefined, 30_000);
    expect(exits).toHaveLength(1);
    expect(exits[0]).toMatchObject({ requested: true });
    // Logs outlive the container (kept in logDir on stop).
    expect((await collect(ref)).some((l) => l.line.includes('echo-agent listening'))).toBe(true);
  }, 180_000);

  it('reports a crash with its exit code and keeps its stderr', async () => {
    const exits: RuntimeExit[] = [];
    const { ref } = await startNode(join(PROBE_DIR, 'probe.mjs'), PROBE_DIR, { args: ['crash'], exits });
    await waitFor(() => exits.length > 0 || undefined, 60_000);
    expect(exits[0]).toMatchObject({ exitCode: 3, signal: null, requested: false, reason: 'exited with code 3' });
    expect(exits).toHaveLength(1);
    const state = await runtime.inspect(ref);
    expect(state).toMatchObject({ state: 'exited', exit: { exitCode: 3, requested: false } });
    const lines = await collect(ref);
    expect(lines).toContainEqual(expect.objectContaining({ stream: 'stderr', line: 'probe: crashing with 3' }));
    expect(lines).toContainEqual(expect.objectContaining({ stream: 'stdout', line: 'probe: about to crash' }));
    expect(lines.at(-1)).toMatchObject({ stream: 'system', line: 'agent exited with code 3' });
  }, 120_000);

  it('follows logs until aborted, and keeps them after the container is gone', async () => {
    const { ref } = await startNode(join(PROBE_DIR, 'probe.mjs'), PROBE_DIR, { args: ['tick'] });
    const ac = new AbortController();
    const seen: string[] = [];
    for await (const l of runtime.logs(ref, { tail: 0, follow: true, signal: ac.signal })) {
      seen.push(l.line);
      if (seen.length >= 3) ac.abort();
    }
    expect(seen.slice(0, 3).every((l) => l.startsWith('probe: tick '))).toBe(true);
    await runtime.stop(ref, { graceMs: 1000 });
    const kept = await collect(ref, 10_000);
    expect(kept.filter((l) => l.line.startsWith('probe: tick ')).length).toBeGreaterThanOrEqual(3);
    expect(kept.at(-1)).toMatchObject({ stream: 'system', line: 'agent stopped' });
  }, 120_000);

  it('still reports a crash that happens after a pause and resume', async () => {
    const exits: RuntimeExit[] = [];
    const { ref } = await startNode(join(PROBE_DIR, 'probe.mjs'), PROBE_DIR, { args: ['tick'], exits });
    await runtime.pause(ref);
    await new Promise((r) => setTimeout(r, 500));
    await runtime.resume(ref);
    await runtime.docker.getContainer(ref.id).kill({ signal: 'SIGKILL' });
    await waitFor(() => exits.length > 0 || undefined, 60_000);
    expect(exits).toEqual([{ exitCode: null, signal: 'SIGKILL', reason: 'killed by SIGKILL', requested: false }]);
  }, 120_000);

  it('after a Pilox restart, keeps copying logs without a gap and stops the container', async () => {
    const first = createDockerRuntime({ dockerHost, uid: UID, nodeImage: testImage });
    const dir = join(base, `adopt-${process.pid}`);
    const ref = await first.start({
      agentId: `adopt-${process.pid}-${Date.now().toString(36)}`,
      slug: 'adopt',
      program: { kind: 'node', entry: join(PROBE_DIR, 'probe.mjs'), args: ['tick'], readOnlyPaths: [PROBE_DIR] },
      env: {},
      limits: { memoryMb: 128, cpuShares: 512, pids: 32 },
      workDir: join(dir, 'work'),
      socketDir: join(dir, 'sock'),
      logDir: join(dir, 'logs'),
    });
    running.push(ref);
    await new Promise((r) => setTimeout(r, 1000));
    first.close(); // Pilox dies; the container keeps ticking
    await new Promise((r) => setTimeout(r, 1500));
    const second = createDockerRuntime({ dockerHost, uid: UID, nodeImage: testImage });
    try {
      expect(await second.inspect(ref)).toEqual({ state: 'running' });
      await new Promise((r) => setTimeout(r, 500));
      await second.stop(ref, { graceMs: 1000 });
      const ticks = new Set<number>();
      for await (const l of second.logs(ref, { tail: 10_000 })) {
        const m = /^probe: tick (\d+)$/.exec(l.line);
        if (m) ticks.add(Number(m[1]));
      }
      const max = Math.max(...ticks);
      expect(max).toBeGreaterThan(10);
      for (let i = 1; i <= max; i++) expect(ticks.has(i), `tick ${i} missing`).toBe(true);
    } finally {
      second.close();
    }
  }, 120_000);

  it('kills a program that allocates past its memory limit', async () => {
    const exits: RuntimeExit[] = [];
    const { ref } = await startNode(join(PROBE_DIR, 'probe.mjs'), PROBE_DIR, { args: ['hog'], memoryMb: 64, exits });
    await waitFor(() => exits.length > 0 || undefined, 90_000);
    // Docker sets OOMKilled; podman (cgroup v1) only reports the SIGKILL.
    expect(exits[0]).toMatchObject({ exitCode: null, signal: 'SIGKILL', requested: false });
    const held = (await collect(ref, 1000))
      .map((l) => /holding (\d+) MB/.exec(l.line)?.[1])
      .filter(Boolean)
      .map(Number);
    expect(Math.max(...held)).toBeLessThanOrEqual(64);
  }, 150_000);

  describe('isolation', () => {
    let listener: Server;
    let accepted = 0;
    let port = 0;
    beforeAll(async () => {
      listener = createServer((s) => {
        accepted++;
        s.destroy();
      });
      await new Promise<void>((r) => listener.listen(0, '0.0.0.0', () => r()));
      port = (listener.address() as { port: number }).port;
    });
    afterAll(() => new Promise<void>((r) => listener.close(() => r())));

    it('has no network: TCP to listeners on the host fails', async () => {
      const hostIps = Object.values(networkInterfaces())
        .flat()
        .filter((a) => a && a.family === 'IPv4' && !a.internal)
        .map((a) => a!.address)
        .slice(0, 2);
      const { ref } = await startNode(join(PROBE_DIR, 'probe.mjs'), PROBE_DIR, { args: ['net', String(port), '127.0.0.1', ...hostIps] });
      const r = await probeResult(ref);
      expect(Object.keys(r)).toContain('127.0.0.1');
      for (const outcome of Object.values(r)) expect(outcome).not.toBe('ok');
      expect(accepted).toBe(0);
    }, 120_000);
  });

  it('cannot write outside its work dir, runs as the non-root uid, cannot read /etc/shadow or /root', async () => {
    const { ref, spec } = await startNode(join(PROBE_DIR, 'probe.mjs'), PROBE_DIR, { args: ['fs', PROBE_DIR] });
    const r = await probeResult(ref);
    expect(r).toMatchObject({ root: 'EROFS', etc: 'EROFS', readOnlyBind: 'EROFS', work: 'ok', tmp: 'ok', uid: UID });
    expect(r.shadow).not.toBe('ok');
    expect(r.rootHome).not.toBe('ok');
    expect(await readFile(join(spec.workDir, 'probe-x'), 'utf8')).toBe('written from inside');
    expect((await stat(join(spec.workDir, 'probe-x'))).uid).toBe(UID);
    await expect(stat(join(PROBE_DIR, 'probe-x'))).rejects.toMatchObject({ code: 'ENOENT' });
  }, 120_000);

  it('an agent can plant a symlink as its agent.sock; pinAgentSocket refuses it', async () => {
    // A socket only Pilox should reach (stands for another agent's pilox.sock or the engine API).
    const privatePath = join(base, `private-${process.pid}.sock`);
    const priv = createServer((s) => s.end('private\n'));
    await new Promise<void>((r) => priv.listen(privatePath, r));
    try {
      const { ref } = await startNode(join(PROBE_DIR, 'probe.mjs'), PROBE_DIR, { args: ['plant', privatePath] });
      expect(await probeResult(ref)).toEqual({ plant: 'ok' });
      const endpoint = runtime.endpoint(ref);
      if (endpoint.kind !== 'unix') throw new Error('unix endpoint expected');
      // The threat is real: a plain connect() follows the link to the private socket…
      const reached = await new Promise<string>((resolve) => {
        const c = connect(endpoint.socketPath);
        c.on('data', (d) => resolve(String(d).trim()));
        c.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      });
      expect(reached).toBe('private');
      // …and the pinned connect refuses it.
      expect(() => pinAgentSocket(endpoint.socketPath)).toThrow(/symlink/);
    } finally {
      await new Promise<void>((r) => priv.close(() => r()));
    }
  }, 120_000);

  it('runs an image agent with the image as given, and a restarted Pilox can find and stop it', async () => {
    const id = `img-${process.pid}-${Date.now().toString(36)}`;
    const dir = join(base, id);
    const imageRef = testImage!;
    const serve = `require('http').createServer((q, r) => r.end(JSON.stringify({ name: 'image-agent', uid: process.getuid() }))).listen(process.env.PILOX_AGENT_SOCKET)`;
    const ref = await runtime.start({
      agentId: id,
      slug: 'image-agent',
      program: { kind: 'image', image: imageRef, cmd: ['/usr/bin/node', '-e', serve] },
      env: {},
      limits: { memoryMb: 128, cpuShares: 256, pids: 32 },
      workDir: join(dir, 'work'),
      socketDir: join(dir, 'sock'),
      logDir: join(dir, 'logs'),
    });
    running.push(ref);
    const endpoint = runtime.endpoint(ref);
    if (endpoint.kind !== 'unix') throw new Error('unix endpoint expected');
    const card = await waitFor(() => getCard(endpoint.socketPath), 60_000);
    expect(card).toEqual({ name: 'image-agent', uid: UID });

    // A new driver instance (Pilox restarted) works from the stored ref alone.
    const again = createDockerRuntime({ dockerHost, uid: UID });
    try {
      expect(await again.inspect(JSON.parse(JSON.stringify(ref)) as InstanceRef)).toEqual({ state: 'running' });
      await again.stop(ref, { graceMs: 2000 });
      expect((await again.inspect(ref)).state).toBe('exited');
    } finally {
      again.close();
    }
  }, 120_000);

  it('refuses an image it does not have and cannot pull', async () => {
    const dir = join(base, 'missing-image');
    await expect(
      runtime.start({
        agentId: `missing-${process.pid}`,
        slug: 'missing',
        program: { kind: 'image', image: 'localhost:1/pilox-test/absent:none' },
        env: {},
        limits: { memoryMb: 64, cpuShares: 256, pids: 16 },
        workDir: join(dir, 'work'),
        socketDir: join(dir, 'sock'),
        logDir: join(dir, 'logs'),
      }),
    ).rejects.toMatchObject({ code: 'AGENT_IMAGE_UNAVAILABLE', status: 503 });
  }, 120_000);

});
