import { loadConfig } from '../config.js';
import { startServer } from '../main.js';

export async function startCommand(): Promise<void> {
  const config = loadConfig();
  const server = await startServer(config);
  const out = process.stdout;
  out.write(`\nPilox is running at ${server.url}\n`);
  out.write(`  database: ${server.container.database.kind}${config.DATABASE_URL ? '' : ` (${config.dataDir})`}\n`);
  out.write(`  kv:       ${server.container.kv.kind}\n`);
  if (config.generatedSecrets.length > 0) {
    out.write(`  generated ${config.generatedSecrets.join(', ')} into ${config.dataDir}/secrets.json (set them for production)\n`);
  }
  for (const line of server.container.startupNotices) out.write(`${line}\n`);
  out.write('\n');

  let signalled = false;
  const shutdown = (signal: string) => {
    if (signalled) {
      process.stderr.write(`pilox: second ${signal}, exiting now\n`);
      process.exit(1);
    }
    signalled = true;
    server.container.logger.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (err) => {
        server.container.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
