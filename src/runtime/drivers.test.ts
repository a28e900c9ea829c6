import { describe, it } from 'vitest';
import { createProcessDriver } from './process-driver.js';
import { createSandboxDriver } from './sandbox-driver.js';
import { describeRuntimeContract } from './runtime.contract.js';

describeRuntimeContract('process', () => createProcessDriver({ production: false, allowUnsandboxed: false }), { isolated: false });

const sandbox = createSandboxDriver({ uid: 65534 });
const availability = await sandbox.available();
if (availability.available) {
  describeRuntimeContract('sandbox', () => sandbox, { isolated: true });
} else {
  describe('runtime contract: sandbox', () => {
    it.skip(`skipped: ${availability.reason}`, () => {});
  });
}
