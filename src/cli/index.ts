// The `pilox` command. Each subcommand lives in its own file; this only declares them.
import { Command } from 'commander';
import { runCommand } from './errors.js';
import { startCommand } from './start.js';
import { migrateCommand } from './migrate.js';
import { configCheckCommand } from './config-check.js';
import { adminCreateCommand, auditVerifyCommand, tokenCreateCommand, usersListCommand } from './identity.js';

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
  .command('admin')
  .description('administrator accounts')
  .command('create')
  .description('create an admin account (the password is generated and printed unless --password-stdin)')
  .requiredOption('--email <email>', 'email address (the login)')
  .option('--name <name>', 'display name')
  .option('--password-stdin', 'read the password from standard input')
  .action((opts) => runCommand(() => adminCreateCommand(opts)));

program
  .command('users')
  .description('user accounts')
  .command('list')
  .description('list every user')
  .option('--json', 'print JSON')
  .action((opts) => runCommand(() => usersListCommand(opts)));

program
  .command('token')
  .description('API tokens')
  .command('create')
  .description('create an API token and print it (once) on stdout')
  .option('--role <role>', 'viewer, operator or admin (default: the owner’s role; never above it)')
  .option('--user <email>', 'owner (default: the oldest admin)')
  .option('--name <name>', 'label shown in the token list', 'cli')
  .option('--expires-days <days>', 'expire after this many days')
  .action((opts) => runCommand(() => tokenCreateCommand(opts)));

program
  .command('audit')
  .description('audit log')
  .command('verify')
  .description('check the audit hash chain; exits 1 and names the first broken row')
  .action(() => runCommand(auditVerifyCommand));

await program.parseAsync(process.argv);
