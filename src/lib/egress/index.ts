// Public surface of the egress guard (spec 4.2). Other modules import from here only.
export { createEgressGuard, type EgressGuard, type EgressGuardDeps, type EgressRequestInit, type EgressConfig } from './guarded-fetch.js';
export {
  EgressBlockedError,
  EgressFailedError,
  EgressResponseTooLargeError,
  EgressTimeoutError,
  type EgressBlockReason,
} from './errors.js';
export { parseAllowlistEntry, splitAllowlist } from './allowlist.js';
export { classifyAddress } from './address-policy.js';
export type { Resolver, ResolvedAddress } from './connector.js';
