// Builds the drivers this machine can offer (docker: reported unavailable, with the reason, when
// no engine answers at DOCKER_HOST).
import type { Logger } from '../lib/logger.js';
import { createDockerRuntime } from './docker/docker-runtime.js';
import { createProcessDriver } from './process-driver.js';
import { createSandboxDriver } from './sandbox-driver.js';
import type { AgentRuntime, RuntimeDriverName } from './runtime.js';

export type Runtimes = Partial<Record<RuntimeDriverName, AgentRuntime>>;

export function createRuntimes(deps: { production: boolean; allowUnsandboxed: boolean; sandboxUid: number; dockerHost?: string | undefined; logger: Logger }): Runtimes {
  return {
    sandbox: createSandboxDriver({ uid: deps.sandboxUid, logger: deps.logger }),
    process: createProcessDriver({ production: deps.production, allowUnsandboxed: deps.allowUnsandboxed, logger: deps.logger }),
    docker: createDockerRuntime({ dockerHost: deps.dockerHost, uid: deps.sandboxUid, logger: deps.logger }),
  };
}

/** The configured default, else sandbox when it works here, else process (refused in production). */
export async function defaultDriver(runtimes: Runtimes, configured: RuntimeDriverName | undefined): Promise<RuntimeDriverName> {
  if (configured) return configured;
  const sandbox = runtimes.sandbox;
  if (sandbox && (await sandbox.available()).available) return 'sandbox';
  return 'process';
}
