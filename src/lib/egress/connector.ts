// The connect-time half of the guard (spec 4.2): every address a hostname resolves to is
// checked before the socket is opened, and the address the socket actually connected to is
// checked again before any byte of the request is written. A DNS answer that changes between
// two lookups (rebinding) therefore cannot reach a private address: there is no earlier lookup
// whose answer could be trusted.
import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupFunction, Socket } from 'node:net';
import { buildConnector } from 'undici';
import { classifyAddress } from './address-policy.js';
import { EgressBlockedError } from './errors.js';

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Name resolution used by the guard; tests pass a stub to simulate rebinding. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, order: 'verbatim' });

function notFound(hostname: string): Error {
  return Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
}

/**
 * A `net.connect` lookup that refuses the whole answer when any address is blocked: a name
 * that mixes public and private records is not something we want to race against.
 */
export function guardedLookup(resolve: Resolver): LookupFunction {
  return ((hostname: string, options: { family?: number | string; all?: boolean }, callback: (...args: unknown[]) => void) => {
    resolve(hostname).then(
      (found) => {
        for (const a of found) {
          const verdict = classifyAddress(a.address);
          if (verdict.blocked) return callback(new EgressBlockedError('address_blocked', { host: hostname, range: verdict.range }));
        }
        const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : Number(options.family ?? 0);
        const usable = family === 4 || family === 6 ? found.filter((a) => a.family === family) : found;
        if (usable.length === 0) return callback(notFound(hostname));
        if (options.all) return callback(null, usable);
        return callback(null, usable[0]!.address, usable[0]!.family);
      },
      (err: unknown) => callback(err),
    );
  }) as LookupFunction;
}

/** Checks the peer of an open socket; returns the error to fail with, or null. */
export function verifyConnectedSocket(socket: Pick<Socket, 'remoteAddress'>, hostname: string): EgressBlockedError | null {
  const address = socket.remoteAddress;
  if (!address) return new EgressBlockedError('address_blocked', { host: hostname, range: 'unknown-peer' });
  const verdict = classifyAddress(address);
  return verdict.blocked ? new EgressBlockedError('address_blocked', { host: hostname, range: verdict.range }) : null;
}

export interface GuardedConnectorOptions {
  resolve: Resolver;
  connectTimeoutMs: number;
  /** Allowlisted hosts may resolve to private addresses. */
  isAllowlisted: (hostname: string) => Promise<boolean>;
  onBlocked?: (err: EgressBlockedError) => void;
}

export function createGuardedConnector(opts: GuardedConnectorOptions): buildConnector.connector {
  const resolverLookup = ((hostname: string, options: { all?: boolean; family?: number | string }, callback: (...args: unknown[]) => void) => {
    opts.resolve(hostname).then((found) => {
      if (found.length === 0) return callback(notFound(hostname));
      return options.all ? callback(null, found) : callback(null, found[0]!.address, found[0]!.family);
    }, (err: unknown) => callback(err));
  }) as LookupFunction;
  const open = buildConnector({ timeout: opts.connectTimeoutMs, lookup: resolverLookup });
  const openGuarded = buildConnector({ timeout: opts.connectTimeoutMs, lookup: guardedLookup(opts.resolve) });

  return (connectOpts, callback) => {
    const hostname = connectOpts.hostname.replace(/^\[(.*)\]$/, '$1');
    const fail = (err: Error) => {
      if (err instanceof EgressBlockedError) opts.onBlocked?.(err);
      callback(err, null);
    };
    opts.isAllowlisted(hostname).then(
      (allowlisted) => {
        if (allowlisted) return open(connectOpts, callback);
        // IP literals never reach the lookup: judge them here, before any packet is sent.
        const literal = classifyAddressIfLiteral(hostname);
        if (literal) return fail(literal);
        openGuarded(connectOpts, (err, socket) => {
          if (err) return fail(err);
          const refused = verifyConnectedSocket(socket!, hostname);
          if (refused) {
            socket!.destroy();
            return fail(refused);
          }
          callback(null, socket!);
        });
      },
      (err: unknown) => fail(err instanceof Error ? err : new Error(String(err))),
    );
  };
}

function classifyAddressIfLiteral(hostname: string): EgressBlockedError | null {
  if (!/^[0-9.]+$/.test(hostname) && !hostname.includes(':')) return null;
  const verdict = classifyAddress(hostname);
  return verdict.blocked ? new EgressBlockedError('address_blocked', { host: hostname, range: verdict.range }) : null;
}
