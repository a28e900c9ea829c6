import { ConfigError } from '../config.js';
import { StartupError } from '../container.js';
import { isAppError } from '../lib/errors.js';
import { CliUsageError } from './identity.js';

/** Turns expected failures into a clear message and exit code 1; anything else keeps its stack. */
export async function runCommand(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`pilox: ${err.message}\n`);
    } else if (err instanceof StartupError || err instanceof CliUsageError) {
      process.stderr.write(`pilox: ${err.message}\n`);
    } else if (isAppError(err) && err.status < 500) {
      process.stderr.write(`pilox: ${err.message} (${err.code})\n`);
    } else if (err instanceof Error && (err as { code?: string }).code === 'EADDRINUSE') {
      process.stderr.write(`pilox: PORT: address already in use (${err.message})\n`);
    } else {
      process.stderr.write(`pilox: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    }
    process.exit(1);
  }
}
