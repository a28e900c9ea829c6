// The contract between the runtimes (which start agents) and the modules that serve an agent
// from the Pilox side (the LLM gateway, tools). Kept here so neither depends on the other.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ManagedConfig } from '../modules/agents/managed-config.js';

/** Who is on the other end of an agent's pilox.sock: known from the socket, never from a credential. */
export interface AgentHostIdentity {
  id: string;
  slug: string;
  ownerId: string;
  kind: 'managed' | 'package' | 'image' | 'remote';
  /** Present for managed agents. */
  managed: ManagedConfig | null;
}

/**
 * Serves one request an agent made on its `/run/pilox/pilox.sock`. The runtime listens on that
 * socket per agent and calls this with the identity of the agent that owns the socket.
 * Default (nothing wired): every request gets 404 `{ error: { code: 'NOT_FOUND' } }`.
 */
export type AgentHostHandler = (agent: AgentHostIdentity, req: IncomingMessage, res: ServerResponse) => void;

/**
 * How the runtime starts a managed agent: `node <entry>` with these environment variables
 * (the entry's directory is bound read-only into the sandbox at the same path):
 * - PILOX_AGENT_SOCKET  path of the unix socket the runner must serve A2A on (/run/pilox/agent.sock in a sandbox)
 * - PILOX_HOST_SOCKET   path of the socket to reach Pilox (/run/pilox/pilox.sock)
 * - PILOX_AGENT_CONFIG  JSON: { id, slug, name, description, managed: ManagedConfig }
 * - PILOX_WORK_DIR      the agent's one writable directory (conversations are kept there)
 */
export interface ManagedRunner {
  /** Absolute path of the runner's bundled JS entry point. */
  entry: string;
}
