// The agent's env reaches the processes that set the sandbox up as root (the cgroup shell,
// setpriv, bwrap). Loader variables there would run the owner's code as root on the host:
// an operator could point LD_PRELOAD at a .so in their own package or work dir.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../lib/paths.js';
import { waitForCard } from './probe.js';
import { createSandboxDriver } from './sandbox-driver.js';
import type { InstanceRef } from './runtime.js';

const sandbox = createSandboxDriver({ uid: 65534 });
const availability = await sandbox.available();
const hasCc = (() => {
  try {
    execFileSync('cc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const ECHO_DIR = join(packageRoot, 'test/fixtures/echo-agent');

describe.skipIf(!availability.available || !hasCc)('sandbox: the agent env never reaches root', () => {
  const base = mkdtempSync(join(tmpdir(), 'pilox-env-'));
  const refs: InstanceRef[] = [];
  afterAll(async () => {
    for (const r of refs) await sandbox.stop(r, { graceMs: 1000 }).catch(() => {});
    rmSync(base, { recursive: true, force: true });
  });

  it('LD_PRELOAD from the agent env is not loaded into the root-run wrapper', async () => {
    const marker = join(base, 'ran-as-root');
    const src = join(base, 'evil.c');
    const so = join(base, 'evil.so');
    writeFileSync(
      src,
      `#include <stdio.h>\n#include <unistd.h>\n__attribute__((constructor)) static void pwn(void) { if (getuid() == 0) { FILE *f = fopen("${marker}", "w"); if (f) { fputs("root", f); fclose(f); } } }\n`,
    );
    execFileSync('cc', ['-shared', '-fPIC', '-o', so, src]);
    const id = randomUUID();
    const dir = join(base, id.slice(0, 8));
    const ref = await sandbox.start({
      agentId: id,
      slug: 'env-test',
      program: { kind: 'node', entry: join(ECHO_DIR, 'server.mjs'), readOnlyPaths: [ECHO_DIR] },
      env: { LD_PRELOAD: so, GREETING: 'kept' },
      limits: { memoryMb: 256, cpuShares: 1024, pids: 64 },
      workDir: join(dir, 'work'),
      socketDir: join(dir, 's'),
      logDir: join(dir, 'logs'),
    });
    refs.push(ref);
    await waitForCard(join(dir, 's', 'agent.sock'), { timeoutMs: 20_000 });
    expect(existsSync(marker) ? readFileSync(marker, 'utf8') : 'not loaded as root').toBe('not loaded as root');
  }, 60_000);
});
