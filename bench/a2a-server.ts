// Pilox as `pilox start` builds it, plus one agent: the echo agent listening on
// BENCH_AGENT_SOCKET (the agents module is not part of this benchmark). Prints `running at <url>`.
import type { AgentDirectory, DirectoryAgent } from '../src/modules/a2a/a2a.ports.js';
import { servePilox } from './serve-pilox.js';

const socketPath = process.env.BENCH_AGENT_SOCKET;
if (!socketPath) throw new Error('BENCH_AGENT_SOCKET is required');
const agent: DirectoryAgent = { id: 'bench-echo', slug: 'echo', name: 'Echo', description: 'echo', visibility: 'instance', ownerId: 'bench' };
const directory: AgentDirectory = {
  async resolveForCall() {
    return { agent, endpoint: { kind: 'unix', socketPath } };
  },
  async listVisible() {
    return [agent];
  },
};

await servePilox({ agentDirectory: directory });
