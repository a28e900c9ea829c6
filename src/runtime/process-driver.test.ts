import { describe, expect, it } from 'vitest';
import { createProcessDriver } from './process-driver.js';

describe('process driver in production', () => {
  it('is refused unless PILOX_ALLOW_UNSANDBOXED', async () => {
    const refused = createProcessDriver({ production: true, allowUnsandboxed: false });
    expect(await refused.available()).toMatchObject({ available: false, reason: expect.stringContaining('PILOX_ALLOW_UNSANDBOXED') });
    await expect(
      refused.start({
        agentId: 'a',
        slug: 'a',
        program: { kind: 'node', entry: '/nonexistent.js', readOnlyPaths: [] },
        env: {},
        limits: { memoryMb: 64, cpuShares: 1024, pids: 16 },
        workDir: '/tmp/x',
        socketDir: '/tmp/x',
        logDir: '/tmp/x',
      }),
    ).rejects.toThrow(/PILOX_ALLOW_UNSANDBOXED/);
    expect(await createProcessDriver({ production: true, allowUnsandboxed: true }).available()).toEqual({ available: true });
  });
});
