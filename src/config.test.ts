import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, isWeakSecret, loadConfig } from './config.js';

const dirs: string[] = [];
function dataDir() {
  const d = mkdtempSync(join(tmpdir(), 'pilox-config-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const strong = (c: string) => `${c}${'k9Zq2Lw8Xr4Tn6Vb1Mh3Pj5Gd7Fs0Ay'}`;
const prod = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://u:p@db:5432/pilox',
  REDIS_URL: 'redis://cache:6379',
  AUTH_URL: 'https://pilox.example.com',
  AUTH_SECRET: strong('a'),
  ENCRYPTION_KEY: 'ab'.repeat(32),
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env, { persistSecrets: false });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('loadConfig', () => {
  it('starts with no variables at all outside production, generating secrets once', () => {
    const dir = dataDir();
    const a = loadConfig({ PILOX_DATA_DIR: dir });
    expect(a.PORT).toBe(8080);
    expect(a.HOST).toBe('0.0.0.0');
    expect(a.DATABASE_URL).toBeUndefined();
    expect(a.ALLOW_PUBLIC_REGISTRATION).toBe(true);
    expect(a.A2A_TASK_STORE).toBe('postgres');
    expect(a.generatedSecrets).toEqual(['AUTH_SECRET', 'ENCRYPTION_KEY']);
    expect(a.ENCRYPTION_KEY).toMatch(/^[0-9a-f]{64}$/);
    expect(a.AUTH_SECRET.length).toBeGreaterThanOrEqual(32);
    const file = join(dir, 'secrets.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const b = loadConfig({ PILOX_DATA_DIR: dir });
    expect(b.AUTH_SECRET).toBe(a.AUTH_SECRET);
    expect(b.ENCRYPTION_KEY).toBe(a.ENCRYPTION_KEY);
    expect(JSON.parse(readFileSync(file, 'utf8')).AUTH_SECRET).toBe(a.AUTH_SECRET);
  });

  it('generates different secrets for different data dirs (no hard-coded default)', () => {
    const a = loadConfig({ PILOX_DATA_DIR: dataDir() });
    const b = loadConfig({ PILOX_DATA_DIR: dataDir() });
    expect(a.AUTH_SECRET).not.toBe(b.AUTH_SECRET);
    expect(a.ENCRYPTION_KEY).not.toBe(b.ENCRYPTION_KEY);
  });

  it('uses the secrets it is given and does not write them', () => {
    const dir = dataDir();
    const c = loadConfig({ PILOX_DATA_DIR: dir, AUTH_SECRET: strong('x'), ENCRYPTION_KEY: 'CD'.repeat(32) });
    expect(c.generatedSecrets).toEqual([]);
    expect(c.ENCRYPTION_KEY).toBe('cd'.repeat(32));
    expect(() => statSync(join(dir, 'secrets.json'))).toThrow();
  });

  it('accepts a complete production environment', () => {
    const c = loadConfig(prod);
    expect(c.isProduction).toBe(true);
    expect(c.ALLOW_PUBLIC_REGISTRATION).toBe(false);
    expect(c.A2A_TASK_STORE).toBe('redis');
  });

  it('lists every missing production variable at once', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    for (const v of ['DATABASE_URL', 'REDIS_URL', 'AUTH_URL', 'AUTH_SECRET', 'ENCRYPTION_KEY']) {
      expect(problems.some((p) => p.startsWith(`${v}:`)), v).toBe(true);
    }
  });

  it('enforces production lengths and formats', () => {
    const problems = problemsOf({
      ...prod,
      AUTH_SECRET: 'short',
      HIVE_SETUP_TOKEN: 'short',
      HIVE_INTERNAL_TOKEN: 'short',
      MESH_BUS_HMAC_SECRET: 'short',
      MESH_FEDERATION_SHARED_SECRET: 'short',
    });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(
      ['AUTH_SECRET', 'HIVE_INTERNAL_TOKEN', 'HIVE_SETUP_TOKEN', 'MESH_BUS_HMAC_SECRET', 'MESH_FEDERATION_SHARED_SECRET'].sort(),
    );
    expect(problemsOf({ ...prod, HIVE_SETUP_TOKEN: strong('s') })).toEqual([]);
  });

  it('rejects a malformed ENCRYPTION_KEY in any environment', () => {
    expect(problemsOf({ ENCRYPTION_KEY: 'zz'.repeat(32) })[0]).toMatch(/^ENCRYPTION_KEY: .*64 hex/);
    expect(problemsOf({ ENCRYPTION_KEY: 'ab'.repeat(31) })[0]).toMatch(/^ENCRYPTION_KEY:/);
  });

  it('names each bad value, all at once', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      HIVE_CLIENT_IP_SOURCE: 'header',
      HEALTH_CHECK_DEEP: 'maybe',
      DATABASE_URL: 'mysql://x',
      REDIS_URL: 'not a url',
      A2A_JSONRPC_MIN_ROLE: 'root',
      HIVE_EGRESS_FETCH_MAX_REDIRECTS: '11',
    });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(
      ['A2A_JSONRPC_MIN_ROLE', 'DATABASE_URL', 'HEALTH_CHECK_DEEP', 'HIVE_CLIENT_IP_SOURCE', 'HIVE_EGRESS_FETCH_MAX_REDIRECTS', 'PORT', 'REDIS_URL'].sort(),
    );
  });

  it('parses booleans and treats empty values as unset', () => {
    const c = loadConfig({ HEALTH_CHECK_DEEP: 'TRUE', ALLOW_PUBLIC_REGISTRATION: 'no', PORT: '', PILOX_DATA_DIR: dataDir() });
    expect(c.HEALTH_CHECK_DEEP).toBe(true);
    expect(c.ALLOW_PUBLIC_REGISTRATION).toBe(false);
    expect(c.PORT).toBe(8080);
    expect(loadConfig({ HIVE_WORKFLOW_DISABLE_CODE_NODE: '', PILOX_DATA_DIR: dataDir() }).HIVE_WORKFLOW_DISABLE_CODE_NODE).toBeUndefined();
  });

  it('checks cross-variable rules', () => {
    expect(problemsOf({ MESH_FEDERATION_ENABLED: 'true' })[0]).toMatch(/^MESH_FEDERATION_SHARED_SECRET:/);
    expect(problemsOf({ MESH_FEDERATION_ENABLED: 'true', MESH_FEDERATION_SHARED_SECRET: 'a'.repeat(40) })[0]).toMatch(/weak/);
    expect(problemsOf({ A2A_PUBLIC_JSONRPC_ENABLED: 'true' })[0]).toMatch(/^A2A_PUBLIC_JSONRPC_ALLOWED_METHODS:/);
    expect(problemsOf({ MESH_WAN_REDIS_WORKER_MODE: 'webhook' })[0]).toMatch(/^MESH_WAN_REDIS_WORKER_WEBHOOK_URL:/);
    expect(problemsOf({ A2A_TASK_STORE: 'redis' })[0]).toMatch(/^A2A_TASK_STORE:/);
    expect(problemsOf({ HIVE_EGRESS_FETCH_ALLOWED_PORTS: '8443,99999' })[0]).toMatch(/99999/);
  });

  it('recognises weak shared secrets', () => {
    expect(isWeakSecret('a'.repeat(64))).toBe(true);
    expect(isWeakSecret('abababababababababababababababababab')).toBe(true);
    expect(isWeakSecret('changeme-changeme-changeme-changeme')).toBe(true);
    expect(isWeakSecret(strong('q'))).toBe(false);
  });
});
