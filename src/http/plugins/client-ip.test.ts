import { describe, expect, it } from 'vitest';
import { parseIp, resolveClientIp } from './client-ip.js';

const SOCKET = '192.0.2.10';

describe('client IP', () => {
  it('parses bare, bracketed, ported and mapped addresses, and rejects junk', () => {
    expect(parseIp(' 203.0.113.5 ')).toBe('203.0.113.5');
    expect(parseIp('203.0.113.5:443')).toBe('203.0.113.5');
    expect(parseIp('[2001:DB8::1]:80')).toBe('2001:db8::1');
    expect(parseIp('::ffff:198.51.100.7')).toBe('198.51.100.7');
    expect(parseIp('not-an-ip')).toBeNull();
    expect(parseIp('1.2.3.4; drop table')).toBeNull();
    expect(parseIp('')).toBeNull();
  });

  it('real_ip trusts X-Real-IP only, ignoring a spoofed X-Forwarded-For', () => {
    const h = { 'x-forwarded-for': '6.6.6.6', 'x-client-ip': '7.7.7.7', 'x-real-ip': '203.0.113.9' };
    expect(resolveClientIp(h, SOCKET, 'real_ip')).toBe('203.0.113.9');
    expect(resolveClientIp({ 'x-forwarded-for': '6.6.6.6' }, SOCKET, 'real_ip')).toBe(SOCKET);
    expect(resolveClientIp({ 'x-real-ip': 'garbage' }, SOCKET, 'real_ip')).toBe(SOCKET);
  });

  it('xff_first and xff_last take one end of the chain, across repeated headers', () => {
    const h = { 'x-forwarded-for': ['203.0.113.1, 10.0.0.2', '10.0.0.3'] };
    expect(resolveClientIp(h, SOCKET, 'xff_first')).toBe('203.0.113.1');
    expect(resolveClientIp(h, SOCKET, 'xff_last')).toBe('10.0.0.3');
    expect(resolveClientIp({ 'x-forwarded-for': 'junk, 10.0.0.3' }, SOCKET, 'xff_first')).toBe(SOCKET);
    expect(resolveClientIp({}, SOCKET, 'xff_last')).toBe(SOCKET);
  });

  it('auto prefers X-Client-Ip, then the first X-Forwarded-For hop, then X-Real-IP, then the socket', () => {
    expect(resolveClientIp({ 'x-client-ip': '198.51.100.1', 'x-forwarded-for': '203.0.113.1' }, SOCKET, 'auto')).toBe('198.51.100.1');
    expect(resolveClientIp({ 'x-client-ip': 'bad', 'x-forwarded-for': '203.0.113.1' }, SOCKET, 'auto')).toBe('203.0.113.1');
    expect(resolveClientIp({ 'x-real-ip': '203.0.113.2' }, SOCKET, 'auto')).toBe('203.0.113.2');
    expect(resolveClientIp({}, '::ffff:192.0.2.10', 'auto')).toBe(SOCKET);
    expect(resolveClientIp({}, undefined, 'auto')).toBe('unknown');
  });
});
