// The `pilox` command. Each subcommand lives in its own file; this only declares them.
import { Command } from 'commander';
import { runCommand } from './errors.js';
import { startCommand } from './start.js';
import { migrateCommand } from './migrate.js';
import { configCheckCommand } from './config-check.js';
import { keysRotateCommand } from './keys-rotate.js';

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

program
  .command('keys')
  .description('encryption key tools')
  .command('rotate')
  .description('re-encrypt every stored secret under a new ENCRYPTION_KEY (resumable; see docs/secrets.md)')
  .requiredOption('--new-key <hex>', 'the new key: 64 hex characters (openssl rand -hex 32)')
  .option('--batch-size <n>', 'values per transaction', '200')
  .option('--max-batches <n>', 'stop after this many batches (exit status 3); run again to continue')
  .action((opts) => runCommand(() => keysRotateCommand(opts)));

await program.parseAsync(process.argv);
