// The `pilox` command. Each subcommand lives in its own file; this only declares them.
import { Command } from 'commander';
import { runCommand } from './errors.js';
import { startCommand } from './start.js';
import { migrateCommand } from './migrate.js';
import { configCheckCommand } from './config-check.js';

const program = new Command();
program.name('pilox').description('Self-hosted control plane for AI agents').showHelpAfterError();

program
  .command('start')
  .description('run the Pilox server (embedded database and cache unless DATABASE_URL / REDIS_URL are set)')
  .action(() => runCommand(startCommand));

program
  .command('migrate')
  .description('apply database migrations (idempotent)')
  .action(() => runCommand(migrateCommand));

program
  .command('config')
  .description('configuration tools')
  .command('check')
  .description('validate the environment and list every problem')
  .action(() => runCommand(configCheckCommand));

await program.parseAsync(process.argv);
