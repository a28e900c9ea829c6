// What Pilox serves an agent on its pilox.sock (AgentHostHandler, src/runtime/agent-host.ts):
// the LLM gateway and, for tools, the MCP proxy. Anything else is a 404.
import type { AgentHostHandler } from '../../runtime/agent-host.js';
import { NotFoundError } from '../../lib/errors.js';
import { sendError } from './gateway-http.js';
import type { LlmGateway } from './gateway.js';

export interface HostRoutes {
  handle: LlmGateway['handle'];
}

export function createAgentHostHandler(routes: HostRoutes[]): AgentHostHandler {
  return (agent, req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q >= 0 ? url.slice(0, q) : url;
    for (const r of routes) if (r.handle(agent, req, res, path)) return;
    req.resume();
    sendError(res, new NotFoundError(`No route ${path} on the agent host socket`));
  };
}
