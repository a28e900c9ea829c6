// `pilox mesh wan-worker` and `pilox gateway` as processes: clear refusals when misconfigured,
// and the worker starting against real Redis and NATS when the run has them.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { runCli, spawnCli, waitForOutput } from '../helpers/cli.js';

const dataDir = mkdtempSync(join(tmpdir(), 'pilox-mesh-cli-'));
const base = {
  PILOX_DATA_DIR: dataDir,
  AUTH_SECRET: randomBytes(32).toString('hex'),
  ENCRYPTION_KEY: randomBytes(32).toString('hex'),
};
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('mesh CLI', () => {
  it('wan-worker names the missing variable', async () => {
    const r = await runCli(['mesh', 'wan-worker'], base);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('MESH_WAN_REDIS_WORKER_MODE');
  }, 120_000);

  it('gateway requires GATEWAY_UPSTREAM_URL', async () => {
    const r = await runCli(['gateway'], base);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('GATEWAY_UPSTREAM_URL');
  }, 120_000);

  const redisUrl = inject('redisUrl');
  const stream = `PILOX_WAN_CLI${randomBytes(3).toString('hex')}`;
  afterAll(async () => {
    if (!redisUrl) return;
    const nc = await connect({ servers: 'nats://127.0.0.1:4222' }).catch(() => null);
    if (!nc) return;
    await (await jetstreamManager(nc)).streams.delete(stream).catch(() => {});
    await nc.close();
  });
  it.skipIf(!redisUrl)('wan-worker runs in nats mode on the app Redis and stops on SIGTERM', async () => {
    const child = spawnCli(['mesh', 'wan-worker'], {
      ...base,
      REDIS_URL: redisUrl!,
      REDIS_KEY_PREFIX: `${inject('redisPrefix')}cli${randomBytes(3).toString('hex')}:`,
      HIVE_SKIP_MIGRATE: 'true',
      DATABASE_URL: inject('pgAdminUrl') ?? undefined,
      MESH_WAN_REDIS_WORKER_MODE: 'nats',
      MESH_WAN_NATS_STREAM: stream,
    });
    try {
      await waitForOutput(child, /wan-worker: nats mode running/, 60_000);
    } finally {
      let err = '';
      child.stderr!.on('data', (d) => (err += d));
      const exited = new Promise<string>((r) => child.once('exit', (code, signal) => r(`${code} ${signal} ${err}`)));
      child.kill('SIGTERM');
      expect(await exited).toBe('0 null ');
    }
  }, 120_000);
});
