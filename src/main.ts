// Process entry for `pilox start`: loadConfig → createContainer → listen → close gracefully.
import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from './config.js';
import { createContainer, type Container } from './container.js';
import { buildApp, buildMetricsApp } from './http/app.js';
import { createLogger } from './lib/logger.js';

export interface RunningServer {
  url: string;
  container: Container;
  app: FastifyInstance;
  close(): Promise<void>;
}

export async function startServer(config: Config = loadConfig()): Promise<RunningServer> {
  const logger = createLogger({ level: config.LOG_LEVEL });
  const container = await createContainer(config, logger);
  let app: FastifyInstance | undefined;
  let metricsApp: FastifyInstance | undefined;
  try {
    app = await buildApp(container);
    await app.listen({ port: config.PORT, host: config.HOST });
    if (config.METRICS_PORT !== undefined) {
      metricsApp = await buildMetricsApp(container);
      await metricsApp.listen({ port: config.METRICS_PORT, host: config.HOST });
    }
    container.startDaemons();
  } catch (err) {
    await app?.close().catch(() => {});
    await container.close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST;
  const started = app;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    container,
    app: started,
    close() {
      // In-flight requests finish (fastify closes the listener first), then stores close.
      closing ??= (async () => {
        await started.close();
        await metricsApp?.close();
        await container.close();
      })();
      return closing;
    },
  };
}
