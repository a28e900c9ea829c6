// Configuration of the egress guard and the key ring: bad values are reported by name.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const base = { NODE_ENV: 'test', AUTH_SECRET: 'x'.repeat(40), ENCRYPTION_KEY: 'ab'.repeat(32) };

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig({ ...base, ...env }, { persistSecrets: false });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('egress and key-ring configuration', () => {
  it('accepts hostnames, *.suffix and IPs in HIVE_EGRESS_FETCH_HOST_ALLOWLIST', () => {
    expect(problemsOf({ HIVE_EGRESS_FETCH_HOST_ALLOWLIST: 'registry.corp.example, *.svc.cluster.local,10.0.0.5,[fd00::1]' })).toEqual([]);
  });

  it('names each bad allowlist entry', () => {
    expect(problemsOf({ HIVE_EGRESS_FETCH_HOST_ALLOWLIST: 'ok.example,http://hooks.example,*' })).toEqual([
      'HIVE_EGRESS_FETCH_HOST_ALLOWLIST: "http://hooks.example" must be a hostname, *.suffix or IP address (no scheme, port or path)',
      'HIVE_EGRESS_FETCH_HOST_ALLOWLIST: "*" a wildcard is only allowed as a leading "*."',
    ]);
  });

  it('bounds HIVE_EGRESS_FETCH_MAX_REDIRECTS to 10 and checks the extra ports', () => {
    expect(problemsOf({ HIVE_EGRESS_FETCH_MAX_REDIRECTS: '11' })[0]).toMatch(/^HIVE_EGRESS_FETCH_MAX_REDIRECTS:/);
    expect(problemsOf({ HIVE_EGRESS_FETCH_ALLOWED_PORTS: '8080,99999' })).toEqual(['HIVE_EGRESS_FETCH_ALLOWED_PORTS: "99999" is not a port number']);
  });

  it('accepts a list of previous keys and refuses anything else', () => {
    const k1 = 'cd'.repeat(32);
    const k2 = 'EF'.repeat(32);
    expect(loadConfig({ ...base, ENCRYPTION_KEY_PREVIOUS: `${k1}, ${k2}` }, { persistSecrets: false }).ENCRYPTION_KEY_PREVIOUS).toBe(`${k1}, ${k2}`);
    expect(problemsOf({ ENCRYPTION_KEY_PREVIOUS: 'abc' })[0]).toMatch(/^ENCRYPTION_KEY_PREVIOUS: must be a comma-separated list/);
    expect(problemsOf({ ENCRYPTION_KEY_PREVIOUS: `${k1},short` })[0]).toMatch(/^ENCRYPTION_KEY_PREVIOUS:/);
  });
});
