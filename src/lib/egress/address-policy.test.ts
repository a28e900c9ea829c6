import { describe, expect, it } from 'vitest';
import { classifyAddress, isIpLiteral } from './address-policy.js';

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['10.1.2.3', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.0.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'carrier-grade-nat'],
    ['100.127.255.255', 'carrier-grade-nat'],
    ['198.18.0.1', 'benchmarking'],
    ['198.19.255.255', 'benchmarking'],
    ['224.0.0.251', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.10', 'documentation'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'ipv4-mapped:loopback'],
    ['::ffff:a9fe:a9fe', 'ipv4-mapped:link-local'],
    ['::ffff:0:10.0.0.1', 'ipv4-translated:private'],
    ['::127.0.0.1', 'ipv4-compatible:loopback'],
    ['64:ff9b::a00:1', 'nat64:private'],
    ['64:ff9b:1::1', 'nat64-local'],
    ['2002:c0a8:101::1', '6to4:private'],
    ['2001:0:4136:e378::1', 'ietf-protocol-assignments'],
    ['2001:db8::1', 'documentation'],
    ['fd00:ec2::254', 'unique-local'],
    ['fc00::1', 'unique-local'],
    ['fe80::1', 'link-local'],
    ['fec0::1', 'site-local'],
    ['ff02::1', 'multicast'],
    ['100::1', 'discard'],
    ['4000::1', 'reserved'],
  ])('blocks %s (%s)', (address, range) => {
    expect(classifyAddress(address)).toEqual({ blocked: true, range });
  });

  it.each(['8.8.8.8', '1.1.1.1', '93.184.215.14', '100.63.255.255', '100.128.0.0', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::1'])(
    'allows the public address %s',
    (address) => {
      expect(classifyAddress(address)).toEqual({ blocked: false });
    },
  );

  it.each(['0x7f.0.0.1', '2130706433', '0177.0.0.1', '127.1', 'localhost', '', 'fe80::1%eth0'])('refuses the non-canonical form %j', (text) => {
    expect(classifyAddress(text).blocked).toBe(true);
  });

  it('recognises IP literals of any spelling', () => {
    expect(isIpLiteral('[::1]')).toBe(true);
    expect(isIpLiteral('0x7f.1')).toBe(true);
    expect(isIpLiteral('example.com')).toBe(false);
  });
});
