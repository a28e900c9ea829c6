// The only module that reads process.env (ARCHITECTURE rule 3). Every variable the operator
// contract (spec/PRODUCTION.md §2–10) names is declared here; all problems are reported at once.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { parseAllowlistEntry } from './lib/egress/allowlist.js';

const BOOL_WORDS: Record<string, boolean> = {
  true: true, false: false, '1': true, '0': false, yes: true, no: false, on: true, off: false,
};

/** Empty strings count as unset: compose files often pass `VAR=` through. */
const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

function bool(defaultValue: boolean) {
  return z.preprocess(
    blankToUndefined,
    z
      .string()
      .transform((v, ctx) => {
        const b = BOOL_WORDS[v.trim().toLowerCase()];
        if (b === undefined) {
          ctx.addIssue({ code: 'custom', message: 'must be true or false' });
          return z.NEVER;
        }
        return b;
      })
      .optional()
      .transform((v) => v ?? defaultValue),
  );
}

/** Tri-state boolean: unset means "not decided by the operator" (spec 4.2 code-node rule). */
function optionalBool() {
  return z.preprocess(
    blankToUndefined,
    z
      .string()
      .transform((v, ctx) => {
        const b = BOOL_WORDS[v.trim().toLowerCase()];
        if (b === undefined) {
          ctx.addIssue({ code: 'custom', message: 'must be true or false' });
          return z.NEVER;
        }
        return b;
      })
      .optional(),
  );
}

function int(defaultValue: number, min: number, max: number) {
  return z.preprocess(blankToUndefined, z.coerce.number().int().min(min).max(max).default(defaultValue));
}

function optionalString(max = 4096) {
  return z.preprocess(blankToUndefined, z.string().max(max).optional());
}

function optionalUrl(protocols: string[]) {
  return z.preprocess(
    blankToUndefined,
    z
      .string()
      .max(2048)
      .refine((v) => {
        try {
          return protocols.includes(new URL(v).protocol);
        } catch {
          return false;
        }
      }, `must be a URL (${protocols.join(', ')})`)
      .optional(),
  );
}

function enumWithDefault<const T extends readonly [string, ...string[]]>(values: T, def: T[number]) {
  return z.preprocess(blankToUndefined, z.enum(values).default(def as never));
}

const HTTP = ['http:', 'https:'];

export const envSchema = z.object({
  NODE_ENV: enumWithDefault(['development', 'production', 'test'] as const, 'development'),
  PORT: int(8080, 0, 65535),
  HOST: z.preprocess(blankToUndefined, z.string().max(255).default('0.0.0.0')),
  PILOX_DATA_DIR: z.preprocess(blankToUndefined, z.string().max(1024).default('./.pilox')),
  LOG_LEVEL: enumWithDefault(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
  HTTP_BODY_LIMIT_BYTES: int(1_048_576, 1024, 64 * 1_048_576),

  // §2 required in production
  DATABASE_URL: optionalUrl(['postgres:', 'postgresql:']),
  AUTH_SECRET: optionalString(1024),
  AUTH_URL: optionalUrl(HTTP),
  ENCRYPTION_KEY: z.preprocess(
    blankToUndefined,
    z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be exactly 64 hex characters (32 bytes)').optional(),
  ),
  /** Comma-separated old keys still accepted for decryption during a key rotation (docs/secrets.md). */
  ENCRYPTION_KEY_PREVIOUS: z.preprocess(
    blankToUndefined,
    z
      .string()
      .max(4096)
      .regex(/^\s*[0-9a-fA-F]{64}\s*(,\s*[0-9a-fA-F]{64}\s*)*,?\s*$/, 'must be a comma-separated list of 64-hex-character keys')
      .default(''),
  ),
  REDIS_URL: optionalUrl(['redis:', 'rediss:']),
  /** Prefix for every Kv key and channel; lets test runs and co-tenants share one Redis. */
  REDIS_KEY_PREFIX: z.preprocess(blankToUndefined, z.string().max(128).default('')),

  // §2 optional
  ALLOW_PUBLIC_REGISTRATION: optionalBool(),
  HIVE_SETUP_TOKEN: optionalString(1024),
  HIVE_INTERNAL_TOKEN: optionalString(1024),
  HEALTH_CHECK_DEEP: bool(false),
  HIVE_EGRESS_FETCH_HOST_ALLOWLIST: z.preprocess(blankToUndefined, z.string().max(8192).default('')),
  HIVE_WORKFLOW_DISABLE_CODE_NODE: optionalBool(),
  STRIPE_WEBHOOK_SECRET: optionalString(1024),
  STRIPE_SECRET_KEY: optionalString(1024),

  // §2.1 billing
  STRIPE_SUBSCRIPTION_PRICE_ID: optionalString(255),
  STRIPE_API_BASE: optionalUrl(HTTP),
  BILLING_USAGE_MINOR_PER_1K_TOKENS: int(0, 0, 1_000_000_000),
  BILLING_CURRENCY: z.preprocess(blankToUndefined, z.string().regex(/^[a-z]{3}$/).default('usd')),

  // §3 / §4.1 edge
  HIVE_CLIENT_IP_SOURCE: enumWithDefault(['auto', 'real_ip', 'xff_first', 'xff_last'] as const, 'auto'),
  GATEWAY_RATE_LIMIT_REDIS_URL: optionalUrl(['redis:', 'rediss:']),
  GATEWAY_PORT: int(8090, 0, 65535),
  GATEWAY_UPSTREAM_URL: optionalUrl(HTTP),
  GATEWAY_RATE_LIMIT_MAX: int(60, 1, 1_000_000),
  GATEWAY_RATE_LIMIT_WINDOW_MS: int(60_000, 1000, 86_400_000),
  MESH_GATEWAY_INBOUND_SECRET: optionalString(1024),
  METRICS_ENABLED: bool(false),
  METRICS_PORT: z.preprocess(blankToUndefined, z.coerce.number().int().min(0).max(65535).optional()),

  // §4.2 egress
  HIVE_EGRESS_FETCH_MAX_REDIRECTS: int(5, 0, 10),
  HIVE_EGRESS_FETCH_TIMEOUT_MS: int(15_000, 100, 300_000),
  HIVE_EGRESS_FETCH_MAX_RESPONSE_BYTES: int(10 * 1_048_576, 1024, 1024 * 1_048_576),
  HIVE_EGRESS_FETCH_ALLOWED_PORTS: z.preprocess(blankToUndefined, z.string().max(1024).default('')),

  // §5 bootstrap
  HIVE_SKIP_MIGRATE: bool(false),
  HIVE_SKIP_MARKETPLACE_INDEX: bool(false),
  MARKETPLACE_CATALOG_SOURCE: enumWithDefault(['db', 'registry'] as const, 'db'),

  // §7 / identity
  AUDIT_RETENTION_DAYS: int(90, 1, 36_500),
  SESSION_TTL_SECONDS: int(12 * 3600, 60, 30 * 86_400),
  AUTH_LOCKOUT_MAX_FAILURES: int(5, 1, 1000),
  AUTH_LOCKOUT_SECONDS: int(900, 1, 86_400),
  AUTH_RATE_LIMIT_MAX: int(10, 1, 1_000_000),
  AUTH_RATE_LIMIT_WINDOW_MS: int(60_000, 1000, 86_400_000),
  API_RATE_LIMIT_MAX: int(1200, 0, 1_000_000_000),
  API_RATE_LIMIT_WINDOW_MS: int(60_000, 1000, 86_400_000),
  PASSWORD_RESET_TTL_SECONDS: int(86_400, 300, 30 * 86_400),

  // §8 backups
  BACKUP_DIR: optionalString(1024),

  // runtimes
  PILOX_RUNTIME_DEFAULT: z.preprocess(blankToUndefined, z.enum(['sandbox', 'process', 'docker']).optional()),
  PILOX_ALLOW_UNSANDBOXED: bool(false),
  PILOX_SANDBOX_UID: int(65534, 1, 2_147_483_647),
  DOCKER_HOST: optionalString(1024),

  // §9 observability
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl(HTTP),
  OTEL_SERVICE_NAME: z.preprocess(blankToUndefined, z.string().max(255).default('hive')),
  OTEL_SDK_DISABLED: bool(false),
  OTEL_METRIC_EXPORT_INTERVAL_MS: z.preprocess(blankToUndefined, z.coerce.number().int().min(1000).optional()),
  PROMETHEUS_OBSERVABILITY_URL: optionalUrl(HTTP),
  TEMPO_OBSERVABILITY_URL: optionalUrl(HTTP),

  // §10 A2A
  A2A_ENABLED: bool(true),
  A2A_JSONRPC_MIN_ROLE: enumWithDefault(['viewer', 'operator', 'admin'] as const, 'viewer'),
  A2A_TASK_STORE: z.preprocess(blankToUndefined, z.enum(['redis', 'postgres', 'memory']).optional()),
  A2A_TASK_TTL_SECONDS: int(604_800, 0, 31_536_000),
  A2A_JSONRPC_MAX_BODY_BYTES: int(1_048_576, 4096, 16_777_216),
  A2A_RATE_LIMIT_MAX: int(100, 1, 1_000_000),
  A2A_RATE_LIMIT_WINDOW_MS: int(60_000, 1000, 86_400_000),
  A2A_PUBLIC_JSONRPC_ENABLED: bool(false),
  A2A_PUBLIC_JSONRPC_ALLOWED_METHODS: z.preprocess(blankToUndefined, z.string().max(4096).default('')),
  A2A_PUBLIC_JSONRPC_RATE_LIMIT_MAX: int(30, 1, 1_000_000),
  A2A_PUBLIC_JSONRPC_RATE_LIMIT_WINDOW_MS: int(60_000, 1000, 86_400_000),
  A2A_UPSTREAM_TIMEOUT_MS: int(300_000, 1000, 3_600_000),

  // §4.1 / §10 mesh
  MESH_BUS_HMAC_SECRET: optionalString(1024),
  MESH_FEDERATION_ENABLED: bool(false),
  MESH_FEDERATION_PEERS: z.preprocess(blankToUndefined, z.string().max(65_536).default('')),
  MESH_FEDERATION_SHARED_SECRET: optionalString(1024),
  MESH_FEDERATION_JWT_ALG: enumWithDefault(['HS256', 'Ed25519'] as const, 'HS256'),
  MESH_FEDERATION_ED25519_SEED_HEX: z.preprocess(
    blankToUndefined,
    z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters').optional(),
  ),
  MESH_FEDERATION_PEER_ED25519_PUBLIC_KEYS: z.preprocess(blankToUndefined, z.string().max(65_536).default('')),
  MESH_FEDERATION_JWT_AUDIENCE: optionalUrl(HTTP),
  MESH_FEDERATION_JWT_REQUIRE_AUDIENCE: bool(true),
  MESH_FEDERATION_JWT_REQUIRE_JTI: bool(true),
  MESH_FEDERATION_JWT_TTL_SECONDS: int(300, 30, 3600),
  MESH_FEDERATION_JWT_CLOCK_SKEW_LEEWAY_SECONDS: int(60, 0, 300),
  MESH_FEDERATION_INBOUND_ALLOW_LEGACY_SECRET: bool(false),
  MESH_FEDERATION_PROXY_SEND_SECRET: bool(false),
  MESH_FEDERATION_PROXY_TIMEOUT_MS: int(30_000, 1000, 120_000),
  MESH_FEDERATION_INBOUND_ALLOWLIST: z.preprocess(blankToUndefined, z.string().max(65_536).default('')),
  MESH_FEDERATION_RATE_LIMIT_MAX: int(100, 1, 1_000_000),
  MESH_FEDERATION_RATE_LIMIT_WINDOW_MS: int(60_000, 1000, 86_400_000),
  MESH_WAN_REDIS_WORKER_MODE: z.preprocess(blankToUndefined, z.enum(['webhook', 'nats']).optional()),
  MESH_WAN_REDIS_WORKER_WEBHOOK_URL: optionalUrl(HTTP),
  MESH_WAN_NATS_URL: z.preprocess(blankToUndefined, z.string().max(2048).default('nats://127.0.0.1:4222')),
  MESH_WAN_NATS_STREAM: z.preprocess(blankToUndefined, z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).default('PILOX_WAN')),
});

export type Env = z.infer<typeof envSchema>;

export type Config = Env & {
  isProduction: boolean;
  /** Absolute data directory (embedded database, generated dev secrets, agent work dirs). */
  dataDir: string;
  AUTH_SECRET: string;
  ENCRYPTION_KEY: string;
  ALLOW_PUBLIC_REGISTRATION: boolean;
  A2A_TASK_STORE: 'redis' | 'postgres' | 'memory';
  /** Which secrets were generated into the data dir because they were not set. */
  generatedSecrets: string[];
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const WEAK_SECRET_WORDS = ['changeme', 'change-me', 'password', 'secret', 'example', 'default'];

/** A shared secret is weak when it is mostly one repeated character or a known placeholder. */
export function isWeakSecret(value: string): boolean {
  const lower = value.toLowerCase();
  if (new Set(value).size < 8) return true;
  return WEAK_SECRET_WORDS.some((w) => lower.replace(/[^a-z-]/g, '').startsWith(w) && lower.length < w.length + 40);
}

function productionProblems(env: Env): string[] {
  const problems: string[] = [];
  if (!env.DATABASE_URL) problems.push('DATABASE_URL: required in production');
  if (!env.REDIS_URL) problems.push('REDIS_URL: required in production');
  if (!env.AUTH_URL) problems.push('AUTH_URL: required in production');
  if (!env.AUTH_SECRET) problems.push('AUTH_SECRET: required in production');
  else if (env.AUTH_SECRET.length < 32) problems.push('AUTH_SECRET: must be at least 32 characters in production');
  if (!env.ENCRYPTION_KEY) problems.push('ENCRYPTION_KEY: required in production (64 hex characters)');
  const min32 = [
    'HIVE_SETUP_TOKEN',
    'HIVE_INTERNAL_TOKEN',
    'MESH_BUS_HMAC_SECRET',
    'MESH_FEDERATION_SHARED_SECRET',
    'MESH_GATEWAY_INBOUND_SECRET',
    'STRIPE_WEBHOOK_SECRET',
  ] as const;
  for (const key of min32) {
    const v = env[key];
    if (v !== undefined && v.length < 32) problems.push(`${key}: must be at least 32 characters when set`);
  }
  return problems;
}

function crossFieldProblems(env: Env): string[] {
  const problems: string[] = [];
  if (env.MESH_FEDERATION_ENABLED) {
    const s = env.MESH_FEDERATION_SHARED_SECRET;
    if (env.MESH_FEDERATION_JWT_ALG === 'HS256' && !s) {
      problems.push('MESH_FEDERATION_SHARED_SECRET: required when MESH_FEDERATION_ENABLED=true with HS256');
    }
    if (s !== undefined && (s.length < 32 || isWeakSecret(s))) {
      problems.push('MESH_FEDERATION_SHARED_SECRET: must be at least 32 characters and not trivially weak');
    }
  }
  if (env.A2A_PUBLIC_JSONRPC_ENABLED && env.A2A_PUBLIC_JSONRPC_ALLOWED_METHODS.trim() === '') {
    problems.push('A2A_PUBLIC_JSONRPC_ALLOWED_METHODS: must list at least one method when A2A_PUBLIC_JSONRPC_ENABLED=true');
  }
  if (env.MESH_WAN_REDIS_WORKER_MODE === 'webhook' && !env.MESH_WAN_REDIS_WORKER_WEBHOOK_URL) {
    problems.push('MESH_WAN_REDIS_WORKER_WEBHOOK_URL: required when MESH_WAN_REDIS_WORKER_MODE=webhook');
  }
  if (env.A2A_TASK_STORE === 'redis' && !env.REDIS_URL) {
    problems.push('A2A_TASK_STORE: "redis" needs REDIS_URL');
  }
  for (const part of env.HIVE_EGRESS_FETCH_ALLOWED_PORTS.split(',').map((p) => p.trim()).filter(Boolean)) {
    const n = Number(part);
    if (!Number.isInteger(n) || n < 1 || n > 65535) {
      problems.push(`HIVE_EGRESS_FETCH_ALLOWED_PORTS: "${part}" is not a port number`);
    }
  }
  for (const part of env.HIVE_EGRESS_FETCH_HOST_ALLOWLIST.split(',').filter((p) => p.trim() !== '')) {
    const parsed = parseAllowlistEntry(part);
    if ('error' in parsed) problems.push(`HIVE_EGRESS_FETCH_HOST_ALLOWLIST: "${part.trim()}" ${parsed.error}`);
  }
  return problems;
}

type DevSecrets = { AUTH_SECRET: string; ENCRYPTION_KEY: string };

/** Outside production, secrets the operator did not set are generated once and kept in the data dir. */
function loadOrCreateDevSecrets(dataDir: string): DevSecrets {
  const file = join(dataDir, 'secrets.json');
  if (existsSync(file)) {
    const parsed = z
      .object({ AUTH_SECRET: z.string().min(32), ENCRYPTION_KEY: z.string().regex(/^[0-9a-f]{64}$/i) })
      .safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (parsed.success) return parsed.data;
    throw new ConfigError([`${file}: generated secrets file is corrupt; delete it or set AUTH_SECRET and ENCRYPTION_KEY`]);
  }
  const secrets: DevSecrets = {
    AUTH_SECRET: randomBytes(48).toString('base64url'),
    ENCRYPTION_KEY: randomBytes(32).toString('hex'),
  };
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return secrets;
}

function formatIssuePath(path: PropertyKey[]): string {
  return path.map(String).join('.') || '(root)';
}

/**
 * Parses the environment. Throws ConfigError listing every bad variable by name.
 * `persistSecrets: false` reports missing dev secrets as problems instead of writing files
 * (used by `pilox config check`).
 */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  opts: { persistSecrets?: boolean } = {},
): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${formatIssuePath(i.path)}: ${i.message}`));
  }
  const data = parsed.data;
  const isProduction = data.NODE_ENV === 'production';
  const problems = [...crossFieldProblems(data), ...(isProduction ? productionProblems(data) : [])];
  if (problems.length > 0) throw new ConfigError(problems);

  const dataDir = resolve(data.PILOX_DATA_DIR);
  const generatedSecrets: string[] = [];
  let authSecret = data.AUTH_SECRET;
  let encryptionKey = data.ENCRYPTION_KEY;
  if (!authSecret || !encryptionKey) {
    // Unreachable in production: productionProblems() already rejected missing secrets.
    if (opts.persistSecrets === false) {
      // Ephemeral values: a dry run must not write into the data dir.
      authSecret ??= randomBytes(48).toString('base64url');
      encryptionKey ??= randomBytes(32).toString('hex');
    } else {
      const dev = loadOrCreateDevSecrets(dataDir);
      if (!authSecret) generatedSecrets.push('AUTH_SECRET');
      if (!encryptionKey) generatedSecrets.push('ENCRYPTION_KEY');
      authSecret ??= dev.AUTH_SECRET;
      encryptionKey ??= dev.ENCRYPTION_KEY;
    }
  }

  return {
    ...data,
    isProduction,
    dataDir,
    AUTH_SECRET: authSecret,
    ENCRYPTION_KEY: encryptionKey.toLowerCase(),
    ALLOW_PUBLIC_REGISTRATION: data.ALLOW_PUBLIC_REGISTRATION ?? !isProduction,
    A2A_TASK_STORE: data.A2A_TASK_STORE ?? (data.REDIS_URL ? 'redis' : 'postgres'),
    generatedSecrets,
  };
}

/** The public origin of this instance (used for CORS, CSRF, cards, federation audience). */
export function publicOrigin(config: Pick<Config, 'AUTH_URL' | 'PORT'>): string {
  return config.AUTH_URL ? new URL(config.AUTH_URL).origin : `http://localhost:${config.PORT}`;
}
