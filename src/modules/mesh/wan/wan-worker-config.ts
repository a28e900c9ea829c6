// MESH_WAN_* → the worker's mode. Kept apart from the worker so the CLI and tests build the
// same thing from config.
import { publicOrigin, type Config } from '../../../config.js';
import type { Container } from '../../../container.js';
import { startWanWorker, type WanWorker, type WanWorkerMode } from './wan-worker.js';

export function wanWorkerMode(
  config: Pick<Config, 'MESH_WAN_REDIS_WORKER_MODE' | 'MESH_WAN_REDIS_WORKER_WEBHOOK_URL' | 'MESH_WAN_NATS_URL' | 'MESH_WAN_NATS_STREAM'>,
  egress: Pick<Container['egress'], 'fetch'>,
): WanWorkerMode | null {
  switch (config.MESH_WAN_REDIS_WORKER_MODE) {
    case 'webhook':
      return { kind: 'webhook', url: config.MESH_WAN_REDIS_WORKER_WEBHOOK_URL!, fetch: (url, init) => egress.fetch(url, init) };
    case 'nats':
      return { kind: 'nats', url: config.MESH_WAN_NATS_URL, stream: config.MESH_WAN_NATS_STREAM };
    default:
      return null;
  }
}

/** The worker of `pilox mesh wan-worker`, on a container's bus, Kv and egress guard. */
export async function startWanWorkerFor(c: Pick<Container, 'config' | 'events' | 'kv' | 'egress' | 'logger'>): Promise<WanWorker | null> {
  const mode = wanWorkerMode(c.config, c.egress);
  if (!mode) return null;
  return startWanWorker({
    events: c.events,
    kv: c.kv,
    origin: publicOrigin(c.config),
    logger: c.logger.child({ component: 'wan-worker' }),
    mode,
  });
}
