// `pilox mesh wan-worker`: the WAN worker as its own process (it can scale apart from the app).
import { loadConfig } from '../config.js';
import { createContainer } from '../container.js';
import { createLogger } from '../lib/logger.js';
import { startWanWorkerFor } from '../modules/mesh/wan/wan-worker-config.js';
import type { WanWorker } from '../modules/mesh/wan/wan-worker.js';
import { CliError } from './errors.js';

export async function wanWorkerCommand(): Promise<void> {
  const config = loadConfig();
  if (!config.MESH_WAN_REDIS_WORKER_MODE) throw new CliError('MESH_WAN_REDIS_WORKER_MODE: set it to webhook or nats');
  const logger = createLogger({ level: config.LOG_LEVEL });
  const container = await createContainer(config, logger, { cli: true });
  if (container.kv.kind !== 'redis') {
    await container.close();
    throw new CliError("REDIS_URL: the WAN worker reads the app's bus, so it needs the same Redis as the app");
  }
  // Signal handlers first: a supervisor may stop us the moment we report ready.
  let worker: WanWorker | null = null;
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    void (async () => {
      await worker?.stop().catch((err) => logger.error({ err }, 'wan worker stop failed'));
      await container.close();
      process.exit(0);
    })();
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  try {
    worker = await startWanWorkerFor(container);
  } catch (err) {
    await container.close();
    throw new CliError(`MESH_WAN_REDIS_WORKER_MODE=${config.MESH_WAN_REDIS_WORKER_MODE}: could not start (${err instanceof Error ? err.message : String(err)})`);
  }
  if (stopping) {
    await worker?.stop();
    return;
  }
  process.stdout.write(`pilox mesh wan-worker: ${config.MESH_WAN_REDIS_WORKER_MODE} mode running\n`);
}
