import { describe, expect, it } from 'vitest';
import type { AgentStartSpec } from '../runtime.js';
import { containerName, containerOptions, parseHardLimits } from './container-options.js';

const base: AgentStartSpec = {
  agentId: 'a1',
  slug: 'echo',
  program: { kind: 'node', entry: '/srv/pkg/server.mjs', args: ['--x'], readOnlyPaths: ['/srv/pkg'] },
  env: { PLAIN: '1', PILOX_AGENT_SOCKET: '/elsewhere' },
  limits: { memoryMb: 128, cpuShares: 512, pids: 64 },
  workDir: '/data/agents/a1/work',
  socketDir: '/data/agents/a1/sock',
  logDir: '/data/agents/a1/logs',
};

describe('containerOptions', () => {
  it('isolates: no network, no capabilities, no new privileges, read-only root, non-root, limits', () => {
    const o = containerOptions(base, { name: containerName('a1'), image: 'img:1', uid: 65534 });
    expect(o.name).toBe('pilox-agent-a1');
    expect(o.User).toBe('65534:65534');
    expect(o.NetworkDisabled).toBe(true);
    expect(o.HostConfig).toMatchObject({
      NetworkMode: 'none',
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      ReadonlyRootfs: true,
      Memory: 128 * 1024 * 1024,
      MemorySwap: 128 * 1024 * 1024,
      CpuShares: 512,
      PidsLimit: 64,
      Init: true,
      RestartPolicy: { Name: 'no' },
    });
    expect(o.HostConfig?.Privileged).toBeUndefined();
    expect(o.HostConfig?.CapAdd).toBeUndefined();
    expect(Object.keys(o.HostConfig?.Tmpfs ?? {})).toEqual(['/tmp']);
  });

  it('binds the socket dir, the work dir (rw) and the package (ro), nothing else', () => {
    const o = containerOptions(base, { name: 'n', image: 'img:1', uid: 65534 });
    expect(o.HostConfig?.Binds).toEqual(['/data/agents/a1/sock:/run/pilox:rw', '/data/agents/a1/work:/pilox/work:rw', '/srv/pkg:/srv/pkg:ro']);
    expect(o.Entrypoint).toEqual(['/usr/bin/node']);
    expect(o.Cmd).toEqual(['/srv/pkg/server.mjs', '--x']);
  });

  it('sets the PILOX_* paths as the program sees them; the agent env cannot override them', () => {
    const env = containerOptions(base, { name: 'n', image: 'i', uid: 1 }).Env ?? [];
    expect(env).toContain('PILOX_AGENT_SOCKET=/run/pilox/agent.sock');
    expect(env).toContain('PILOX_HOST_SOCKET=/run/pilox/pilox.sock');
    expect(env).toContain('PILOX_WORK_DIR=/pilox/work');
    expect(env).toContain('PLAIN=1');
    expect(env).not.toContain('PILOX_AGENT_SOCKET=/elsewhere');
  });

  it('keeps an image agent on its own entrypoint', () => {
    const o = containerOptions({ ...base, program: { kind: 'image', image: 'op/agent:2', cmd: ['serve'] } }, { name: 'n', image: 'op/agent:2', uid: 65534 });
    expect(o.Entrypoint).toBeUndefined();
    expect(o.Cmd).toEqual(['serve']);
    expect(o.HostConfig?.Binds).toHaveLength(2);
  });

  it('refuses paths that would change the bind syntax', () => {
    expect(() => containerOptions({ ...base, workDir: '/data/a:b' }, { name: 'n', image: 'i', uid: 1 })).toThrow(/cannot bind/);
    expect(() => containerOptions({ ...base, socketDir: 'relative/dir' }, { name: 'n', image: 'i', uid: 1 })).toThrow(/cannot bind/);
  });

  it('uses the rlimits it is given (lowered to the host hard limits by the driver)', () => {
    const o = containerOptions(base, { name: 'n', image: 'i', uid: 1, rlimits: { nofile: 1024, nproc: 500 } });
    expect(o.HostConfig?.Ulimits).toEqual([
      { Name: 'nofile', Soft: 1024, Hard: 1024 },
      { Name: 'nproc', Soft: 500, Hard: 500 },
    ]);
  });
});

describe('parseHardLimits', () => {
  it('reads the hard column of /proc/<pid>/limits', () => {
    const text = [
      'Limit                     Soft Limit           Hard Limit           Units     ',
      'Max processes             7000                 7500                 processes ',
      'Max open files            1024                 unlimited            files     ',
    ].join('\n');
    expect(parseHardLimits(text)).toEqual({ nproc: 7500, nofile: Infinity });
    expect(parseHardLimits('')).toEqual({});
  });
});
