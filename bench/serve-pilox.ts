// Runs Pilox as `pilox start` builds it, from the sources (so a benchmark measures this
// checkout), prints `running at <url>` for bench/lib.ts's startProcess, and closes on a signal.
import { loadConfig } from '../src/config.js';
import { createContainer, type ContainerOverrides } from '../src/container.js';
import { buildApp } from '../src/http/app.js';
import { createLogger } from '../src/lib/logger.js';

export async function servePilox(overrides: ContainerOverrides = {}): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.LOG_LEVEL });
  const container = await createContainer(config, logger, overrides);
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
}
