// Pilox as `pilox start` builds it, plus one agent: the echo agent listening on
// BENCH_AGENT_SOCKET (the agents module is not part of this benchmark). Prints `running at <url>`.
import { loadConfig } from '../src/config.js';
import { createContainer } from '../src/container.js';
import { buildApp } from '../src/http/app.js';
import { createLogger } from '../src/lib/logger.js';
import type { AgentDirectory, DirectoryAgent } from '../src/modules/a2a/a2a.ports.js';

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

const config = loadConfig();
const logger = createLogger({ level: config.LOG_LEVEL });
const container = await createContainer(config, logger, { agentDirectory: directory });
const app = await buildApp(container);
container.startDaemons();
await app.listen({ port: config.PORT, host: '127.0.0.1' });
const address = app.server.address() as { port: number };
process.stdout.write(`running at http://127.0.0.1:${address.port}\n`);
const stop = async () => {
  await app.close();
  await container.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
