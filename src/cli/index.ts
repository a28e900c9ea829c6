// The `pilox` command. Each subcommand lives in its own file; this only declares them.
import { Command } from 'commander';
import { runCommand } from './errors.js';
import { startCommand } from './start.js';
import { migrateCommand } from './migrate.js';
import { configCheckCommand } from './config-check.js';
import { adminCreateCommand, auditVerifyCommand, tokenCreateCommand, usersListCommand } from './identity.js';
import { keysRotateCommand } from './keys-rotate.js';
import { wanWorkerCommand } from './mesh.js';
import { gatewayCommand } from './gateway.js';

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

program
  .command('keys')
  .description('encryption key tools')
  .command('rotate')
  .description('re-encrypt every stored secret under a new ENCRYPTION_KEY (resumable; see docs/secrets.md)')
  .requiredOption('--new-key <hex>', 'the new key: 64 hex characters (openssl rand -hex 32)')
  .option('--batch-size <n>', 'values per transaction', '200')
  .option('--max-batches <n>', 'stop after this many batches (exit status 3); run again to continue')
  .action((opts) => runCommand(() => keysRotateCommand(opts)));

program
  .command('mesh')
  .description('mesh (federation and WAN) processes')
  .command('wan-worker')
  .description('carry mesh.wan.envelope events to NATS JetStream or a webhook (MESH_WAN_REDIS_WORKER_MODE)')
  .action(() => runCommand(wanWorkerCommand));

program
  .command('gateway')
  .description('run the public A2A JSON-RPC gateway in front of the app (GATEWAY_UPSTREAM_URL, GATEWAY_PORT)')
  .action(() => runCommand(gatewayCommand));

await program.parseAsync(process.argv);
