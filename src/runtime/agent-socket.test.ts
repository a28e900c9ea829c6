import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pinAgentSocket } from './agent-socket.js';

describe('pinAgentSocket', () => {
  let dir: string;
  let server: Server;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pilox-pin-'));
    server = createServer((s) => s.end('real socket\n'));
    await new Promise<void>((r) => server.listen(join(dir, 'real.sock'), r));
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects to a real socket through the pinned path', async () => {
    const pin = pinAgentSocket(join(dir, 'real.sock'));
    const text = await new Promise<string>((resolve, reject) => {
      const c = connect(pin.path);
      c.once('connect', () => pin.release());
      c.on('data', (d) => resolve(String(d).trim()));
      c.on('error', reject);
    });
    expect(text).toBe('real socket');
    pin.release(); // idempotent
  });

  it('refuses a symlink, even one pointing at a real socket', () => {
    symlinkSync(join(dir, 'real.sock'), join(dir, 'agent.sock'));
    expect(() => pinAgentSocket(join(dir, 'agent.sock'))).toThrow(/is a symlink, not a unix socket/);
  });

  it('refuses a regular file and reports a missing socket as ENOENT', () => {
    writeFileSync(join(dir, 'file.sock'), 'x');
    expect(() => pinAgentSocket(join(dir, 'file.sock'))).toThrow(expect.objectContaining({ code: 'AGENT_SOCKET_UNSAFE' }));
    expect(() => pinAgentSocket(join(dir, 'missing.sock'))).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});
