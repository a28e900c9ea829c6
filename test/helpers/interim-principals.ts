// INTERIM, until identity (users, sessions, API tokens) is merged: an app whose requests may
// carry `x-test-principal: <userId>:<role>` to act as a user of that role. It uses the
// container's authenticator chain, the same extension point identity plugs into; nothing of
// our own is replaced. Tests using it should move to real users and tokens after the merge.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { createContainer } from '../../src/container.js';
import { buildApp } from '../../src/http/app.js';
import type { Authenticator } from '../../src/http/plugins/access-control.js';
import { ROLES, type Role } from '../../src/http/access.js';
import { createLogger } from '../../src/lib/logger.js';
import { testEnv, type TestApp, type TestAppOptions } from './app.js';
import { createTestDatabase, createTestKv } from './stores.js';

const HEADER = 'x-test-principal';

const testPrincipalAuthenticator: Authenticator = async (request) => {
  const value = request.headers[HEADER];
  if (typeof value !== 'string') return null;
  const [userId, role] = value.split(':') as [string, Role];
  if (!userId || !ROLES.includes(role)) return null;
  return { kind: 'user', userId, email: `${userId}@test.invalid`, role, via: 'token' };
};

export function asUser(userId: string, role: Role): Record<string, string> {
  return { [HEADER]: `${userId}:${role}` };
}

export async function createTestAppWithPrincipals(opts: Omit<TestAppOptions, 'extend'> = {}): Promise<TestApp> {
  const ownsDatabase = !opts.database;
  const ownsKv = !opts.kv;
  const database = opts.database ?? (await createTestDatabase());
  const kv = opts.kv ?? (await createTestKv());
  const dataDir = mkdtempSync(join(tmpdir(), 'pilox-test-'));
  const config = loadConfig(testEnv({ PILOX_DATA_DIR: dataDir, ...opts.env }));
  const container = await createContainer(config, createLogger({ level: config.LOG_LEVEL }), { database, kv });
  container.authenticators.push(testPrincipalAuthenticator);
  const app = await buildApp(container);
  await app.ready();
  if (opts.startDaemons) container.startDaemons();
  return {
    app,
    container,
    config,
    database,
    kv,
    async close() {
      await app.close();
      await container.close();
      if (ownsKv) await kv.close();
      if (ownsDatabase) await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
