import { loadConfig } from '../config.js';
import { openDatabaseFromConfig } from '../container.js';

export async function migrateCommand(): Promise<void> {
  const config = loadConfig();
  const database = await openDatabaseFromConfig(config);
  try {
    await database.migrate();
    process.stdout.write(`migrations applied (${database.kind})\n`);
  } finally {
    await database.close();
  }
}
