// Cold start of the docker runtime driver: from `start()` to the first successful agent-card
// read on the agent's unix socket, for the echo agent (a `package` agent), 20 runs; each
// container is stopped and removed before the next. Needs DOCKER_HOST (CI: scripts/podman-service.sh).
// The base node image is built (or found) before timing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDockerRuntime } from '../src/runtime/docker/docker-runtime.js';
import { ensureNodeImage } from '../src/runtime/docker/node-image.js';
import { waitForCard } from '../src/runtime/probe.js';
import { root } from './lib.js';

const RUNS = 20;

export async function run(): Promise<void> {
  const dockerHost = process.env.DOCKER_HOST;
  const probe = createDockerRuntime({ dockerHost, uid: 65534 });
  const avail = await probe.available();
  if (!avail.available) {
    process.stderr.write(`docker-coldstart: ${avail.reason}\n`);
    process.exit(1);
  }
  const engine = ((await probe.docker.version()).Components ?? []).some((c) => /podman/i.test(c.Name)) ? 'podman' : 'docker';
  const image = await ensureNodeImage(probe.docker);
  const runtime = createDockerRuntime({ dockerHost, uid: 65534, nodeImage: image });
  const echoDir = join(root, 'test/fixtures/echo-agent');
  const base = mkdtempSync(join(tmpdir(), 'pilox-bench-docker-'));
  const times: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const dir = join(base, String(i));
      const t0 = performance.now();
      const ref = await runtime.start({
        agentId: `bench-coldstart-${process.pid}`,
        slug: 'bench',
        program: { kind: 'node', entry: join(echoDir, 'server.mjs'), readOnlyPaths: [echoDir] },
        env: {},
        limits: { memoryMb: 128, cpuShares: 1024, pids: 64 },
        workDir: join(dir, 'work'),
        socketDir: join(dir, 'sock'),
        logDir: join(dir, 'logs'),
      });
      const ep = runtime.endpoint(ref);
      const ok = ep.kind === 'unix' && (await waitForCard(ep.socketPath, { timeoutMs: 30_000 }));
      const ms = performance.now() - t0;
      await runtime.stop(ref, { graceMs: 1000 });
      if (!ok) throw new Error(`run ${i}: the card never answered`);
      times.push(ms);
    }
  } finally {
    runtime.close();
    rmSync(base, { recursive: true, force: true });
  }
  times.sort((a, b) => a - b);
  const pct = (p: number) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))]!.toFixed(0);
  process.stdout.write(`RESULT docker-coldstart engine=${engine} runs=${RUNS} p50_ms=${pct(50)} p95_ms=${pct(95)} min_ms=${times[0]!.toFixed(0)}\n`);
}
