import { describe, expect, it } from 'vitest';
import { compileAllowlist, isAllowlisted, parseAllowlistEntry, splitAllowlist } from './allowlist.js';

describe('egress allowlist', () => {
  it('normalizes valid entries', () => {
    expect(parseAllowlistEntry(' Registry.Corp.Example. ')).toEqual({ entry: 'registry.corp.example' });
    expect(parseAllowlistEntry('*.Svc.Cluster.Local')).toEqual({ entry: '*.svc.cluster.local' });
    expect(parseAllowlistEntry('[::1]')).toEqual({ entry: '::1' });
    expect(parseAllowlistEntry('10.0.0.5')).toEqual({ entry: '10.0.0.5' });
  });

  it.each(['', '*', '*.', 'a.*.b', 'http://x.example', 'x.example:8080', 'x.example/path', 'user@x', 'a b', '-bad.example', '1.2.3', 'x.example.123', '*.10.0.0'])(
    'rejects %j',
    (raw) => {
      expect(parseAllowlistEntry(raw)).toHaveProperty('error');
    },
  );

  it('matches exact hosts, subdomains of *.suffix (not the suffix itself) and IPs', () => {
    const list = compileAllowlist(splitAllowlist('registry.corp.example, *.svc.local,::1, bad/entry'));
    expect(isAllowlisted(list, 'registry.corp.example')).toBe(true);
    expect(isAllowlisted(list, 'REGISTRY.corp.example.')).toBe(true);
    expect(isAllowlisted(list, 'x.registry.corp.example')).toBe(false);
    expect(isAllowlisted(list, 'api.svc.local')).toBe(true);
    expect(isAllowlisted(list, 'a.b.svc.local')).toBe(true);
    expect(isAllowlisted(list, 'svc.local')).toBe(false);
    expect(isAllowlisted(list, 'evilsvc.local')).toBe(false);
    expect(isAllowlisted(list, '[::1]')).toBe(true);
    expect(isAllowlisted(list, '0:0:0:0:0:0:0:1')).toBe(true);
    expect(isAllowlisted(list, '127.0.0.1')).toBe(false);
  });
});
