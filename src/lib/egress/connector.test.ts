import { describe, expect, it } from 'vitest';
import { guardedLookup, verifyConnectedSocket, type Resolver } from './connector.js';
import { EgressBlockedError } from './errors.js';

const stub = (answers: Record<string, string[]>): Resolver => async (host) =>
  (answers[host] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

function callLookup(resolve: Resolver, host: string, options: { all?: boolean; family?: number }) {
  return new Promise<unknown[]>((done) => {
    (guardedLookup(resolve) as unknown as (h: string, o: object, cb: (...a: unknown[]) => void) => void)(host, options, (...args) => done(args));
  });
}

describe('verifyConnectedSocket', () => {
  it('refuses a socket whose peer is private, mapped-private or unknown', () => {
    expect(verifyConnectedSocket({ remoteAddress: '10.0.0.1' }, 'x.example')?.reason).toBe('address_blocked');
    expect(verifyConnectedSocket({ remoteAddress: '::ffff:127.0.0.1' }, 'x.example')?.details?.range).toBe('ipv4-mapped:loopback');
    expect(verifyConnectedSocket({ remoteAddress: undefined }, 'x.example')?.details?.range).toBe('unknown-peer');
  });
  it('accepts a public peer', () => {
    expect(verifyConnectedSocket({ remoteAddress: '8.8.8.8' }, 'x.example')).toBeNull();
  });
});

describe('guardedLookup', () => {
  const resolve = stub({ 'pub.example': ['8.8.8.8', '2606:4700::1'], 'bad.example': ['8.8.8.8', '192.168.1.1'] });

  it('answers in both callback shapes and honours the family', async () => {
    expect(await callLookup(resolve, 'pub.example', { all: true })).toEqual([null, [{ address: '8.8.8.8', family: 4 }, { address: '2606:4700::1', family: 6 }]]);
    expect(await callLookup(resolve, 'pub.example', { family: 6 })).toEqual([null, '2606:4700::1', 6]);
  });

  it('refuses the whole answer when any address is blocked', async () => {
    const [err] = await callLookup(resolve, 'bad.example', { all: true });
    expect(err).toBeInstanceOf(EgressBlockedError);
  });

  it('reports an empty answer as ENOTFOUND', async () => {
    const [err] = await callLookup(resolve, 'none.example', {});
    expect((err as { code: string }).code).toBe('ENOTFOUND');
  });
});
