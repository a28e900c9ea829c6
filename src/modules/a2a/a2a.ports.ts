// What the A2A gateway needs from other modules, as ports. The agents module implements
// AgentDirectory; the egress module provides the guarded fetch. Tests use small local
// implementations (test/helpers/a2a.ts), never mocks of these modules.
import type { Principal } from '../../http/principal.js';
import { NotFoundError } from '../../lib/errors.js';

export type AgentVisibility = 'private' | 'instance' | 'public';

export interface DirectoryAgentSkill {
  id: string;
  name: string;
  description?: string;
  tags?: string[];
  examples?: string[];
}

export interface DirectoryAgent {
  id: string;
  slug: string;
  name: string;
  description: string;
  visibility: AgentVisibility;
  ownerId: string;
  /** When absent, the card lists the skills the agent's own card declares. */
  skills?: DirectoryAgentSkill[];
}

/**
 * Where the agent's own A2A server answers. Local agents listen on a unix socket inside their
 * sandbox; remote agents were imported by the URL of their agent card. `federated` is set by the
 * federation directory alone (`fed<i>--<slug>`): only those calls reach the peer as this instance
 * (with our federation JWT); any other remote agent, even at a peer's origin, gets no credentials.
 */
export type AgentEndpoint = { kind: 'unix'; socketPath: string } | { kind: 'remote'; url: string; federated?: boolean };

export interface ResolvedAgent {
  agent: DirectoryAgent;
  endpoint: AgentEndpoint;
}

export interface AgentDirectory {
  /**
   * Throws an AppError AGENT_NOT_FOUND (404) when `principal` may not see the agent (existence
   * is not revealed) and AGENT_NOT_RUNNING (503) when it exists but cannot take calls.
   */
  resolveForCall(slug: string, principal: Principal): Promise<ResolvedAgent>;
  /** Agents `principal` may see, for the platform card (running or not). */
  listVisible(principal: Principal): Promise<DirectoryAgent[]>;
}

/** A fetch that only reaches what the egress guard allows (spec §4.2). */
export type EgressFetch = (input: string | URL, init?: RequestInit) => Promise<Response>;

/** Until the agents module is wired, no agent exists. */
export const unwiredAgentDirectory: AgentDirectory = {
  async resolveForCall() {
    throw new NotFoundError('Agent not found', 'AGENT_NOT_FOUND');
  },
  async listVisible() {
    return [];
  },
};
