// What chat and usage reports need from the agents module: which agent an id names, if the
// caller may use it. The agents module implements it; until it is wired, no agent exists.
import type { Principal } from '../../http/principal.js';
import { NotFoundError } from '../../lib/errors.js';

export interface LookedUpAgent {
  id: string;
  slug: string;
  ownerId: string;
}

export interface AgentLookup {
  /** Throws AGENT_NOT_FOUND (404) when the agent does not exist or `principal` may not see it. */
  get(agentId: string, principal: Principal): Promise<LookedUpAgent>;
}

export const unwiredAgentLookup: AgentLookup = {
  async get() {
    throw new NotFoundError('Agent not found', 'AGENT_NOT_FOUND');
  },
};
