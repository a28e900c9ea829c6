// Builds the real app on the run's stores. Nothing is mocked: the container is the one
// `pilox start` builds, given a database and Kv prepared for this test file.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config.js';
import { createContainer, type Container, type ContainerOverrides } from '../../src/container.js';
import { buildApp, type App } from '../../src/http/app.js';
import { createLogger } from '../../src/lib/logger.js';
import type { Authenticator } from '../../src/http/plugins/access-control.js';
import type { Database } from '../../src/lib/db/database.js';
import type { Kv } from '../../src/lib/kv/kv.js';
import type { Clock } from '../../src/lib/clock.js';
import { createTestDatabase, createTestKv } from './stores.js';

export interface TestApp {
  app: App;
  container: Container;
  config: Config;
  database: Database;
  kv: Kv;
  close(): Promise<void>;
}

export function testEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    AUTH_SECRET: randomBytes(32).toString('hex'),
    ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    AUTH_URL: 'http://localhost:8080',
    ...overrides,
  };
}

export interface TestAppOptions {
  env?: Record<string, string | undefined>;
  /** Share stores between several apps (two replicas) or across tests of a file. */
  database?: Database;
  kv?: Kv;
  startDaemons?: boolean;
  /** A time source for services (e.g. to reach an expiry without waiting). */
  clock?: Clock;
  /** Extra container overrides (e.g. the A2A agent directory and egress fetch). */
  overrides?: Omit<ContainerOverrides, 'database' | 'kv'>;
  /** Authenticators tried before the built-in ones (e.g. test users until identity lands). */
  authenticators?: Authenticator[];
  /** Registers extra routes before the app is ready (tests of framework behaviour). */
  extend?: (app: App) => void;
}

export async function createTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const ownsDatabase = !opts.database;
  const ownsKv = !opts.kv;
  const database = opts.database ?? (await createTestDatabase());
  const kv = opts.kv ?? (await createTestKv());
  const dataDir = mkdtempSync(join(tmpdir(), 'pilox-test-'));
  const config = loadConfig(testEnv({ PILOX_DATA_DIR: dataDir, ...opts.env }));
  const container = await createContainer(config, createLogger({ level: config.LOG_LEVEL }), { database, kv, clock: opts.clock, ...opts.overrides });
  container.authenticators.unshift(...(opts.authenticators ?? []));
  const app = await buildApp(container);
  opts.extend?.(app);
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
