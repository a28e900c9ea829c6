// Identity commands: `pilox admin create`, `pilox users list`, `pilox token create`,
// `pilox audit verify`. They open the same stores as the server (a one-shot container that
// does not touch the setup token a running server printed).
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../config.js';
import { createContainer, type Container } from '../container.js';
import { ROLES, type Role } from '../http/access.js';
import { createLogger } from '../lib/logger.js';
import { PASSWORD_MAX, PASSWORD_MIN } from '../modules/users/passwords.js';

export class CliUsageError extends Error {
  override name = 'CliUsageError';
}

async function withContainer<T>(fn: (c: Container) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const logger = createLogger({ level: config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL });
  const c = await createContainer(config, logger, { cli: true });
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

function parseRole(value: string | undefined): Role | undefined {
  if (value === undefined) return undefined;
  if (!(ROLES as readonly string[]).includes(value)) throw new CliUsageError(`--role must be one of ${ROLES.join(', ')}`);
  return value as Role;
}

export async function adminCreateCommand(opts: { email: string; name?: string; passwordStdin?: boolean }): Promise<void> {
  let password: string;
  let generated = false;
  if (opts.passwordStdin) {
    password = await readStdin();
    if (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX) {
      throw new CliUsageError(`the password must be ${PASSWORD_MIN}–${PASSWORD_MAX} characters`);
    }
  } else {
    password = randomBytes(18).toString('base64url');
    generated = true;
  }
  if (!/^[^\s@]+@[^\s@]+$/.test(opts.email) || opts.email.length > 320) throw new CliUsageError('--email is not an email address');
  const user = await withContainer((c) =>
    c.users.create({ email: opts.email, name: opts.name ?? opts.email.split('@')[0]!, password, role: 'admin' }, { actor: null, action: 'user.create' }),
  );
  process.stdout.write(`admin created: ${user.email} (${user.id})\n`);
  if (generated) process.stdout.write(`password: ${password}\n(shown once; change it after signing in)\n`);
}

export async function usersListCommand(opts: { json?: boolean }): Promise<void> {
  const items = await withContainer(async (c) => {
    const all = [];
    for (let offset = 0; ; offset += 200) {
      const page = await c.users.list({ limit: 200, offset });
      all.push(...page.items);
      if (page.items.length < 200) break;
    }
    return all;
  });
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(items, null, 2)}\n`);
    return;
  }
  const rows = [['ID', 'EMAIL', 'ROLE', 'STATUS', 'LAST LOGIN', 'NAME']];
  for (const u of items) rows.push([u.id, u.email, u.role, u.disabled ? 'disabled' : 'active', u.lastLoginAt ?? '-', u.name]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) process.stdout.write(`${r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')}\n`);
}

export async function tokenCreateCommand(opts: { role?: string; user?: string; name?: string; expiresDays?: string }): Promise<void> {
  const role = parseRole(opts.role);
  let expiresAt: Date | null = null;
  if (opts.expiresDays !== undefined) {
    const days = Number(opts.expiresDays);
    if (!Number.isInteger(days) || days < 1 || days > 3650) throw new CliUsageError('--expires-days must be a whole number of days (1–3650)');
    expiresAt = new Date(Date.now() + days * 86_400_000);
  }
  const created = await withContainer(async (c) => {
    const owner = opts.user ? await c.users.getByEmail(opts.user) : await c.users.oldestAdmin();
    if (!owner) throw new CliUsageError(opts.user ? `no user with email ${opts.user}` : 'no admin exists yet; run `pilox admin create` first or pass --user');
    return c.tokens.create({ ownerId: owner.id, name: opts.name ?? 'cli', role, expiresAt }, { actor: null });
  });
  process.stderr.write(`token for ${created.record.userId} (role ${created.record.role}${expiresAt ? `, expires ${expiresAt.toISOString()}` : ''}); shown once:\n`);
  process.stdout.write(`${created.token}\n`);
}

export async function auditVerifyCommand(): Promise<void> {
  const result = await withContainer((c) => c.audit.verify());
  if (result.ok) {
    process.stdout.write(
      result.checked === 0
        ? 'audit chain OK: no rows\n'
        : `audit chain OK: ${result.checked} rows (#${result.firstId}–#${result.lastId}), head ${result.headHash}\n`,
    );
    return;
  }
  process.stdout.write(`audit chain BROKEN at row #${result.broken!.id}: ${result.broken!.reason} (${result.checked} rows verified before it)\n`);
  process.exitCode = 1;
}
