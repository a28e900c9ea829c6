import { ConfigError, loadConfig } from '../config.js';

export async function configCheckCommand(): Promise<void> {
  try {
    const config = loadConfig(undefined, { persistSecrets: false });
    process.stdout.write(
      `configuration OK (NODE_ENV=${config.NODE_ENV}, database=${config.DATABASE_URL ? 'postgres' : 'embedded'}, ` +
        `kv=${config.REDIS_URL ? 'redis' : 'embedded'})\n`,
    );
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
