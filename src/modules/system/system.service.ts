import type { Config } from '../../config.js';
import type { Database } from '../../lib/db/database.js';
import type { Kv } from '../../lib/kv/index.js';
import { existsSync } from 'node:fs';
import type { Runtimes } from '../../runtime/index.js';
import type { RuntimeDriverName } from '../../runtime/runtime.js';

const DRIVERS: RuntimeDriverName[] = ['sandbox', 'process', 'docker'];

export interface ServiceHealth {
  ok: boolean;
  required: boolean;
  latencyMs?: number;
  kind?: string;
  error?: string;
}

async function probe(fn: () => Promise<unknown>, timeoutMs: number): Promise<{ ok: boolean; latencyMs: number; error?: string }> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    return { ok: false, latencyMs: Math.round(performance.now() - started), error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

export function createSystemService(deps: {
  database: Database;
  kv: Kv;
  config: Pick<Config, 'HEALTH_CHECK_DEEP' | 'PILOX_RUNTIME_DEFAULT'>;
  runtimes?: Runtimes;
}) {
  async function runtimeHealth(name: RuntimeDriverName): Promise<ServiceHealth> {
    // Only the driver the operator chose as default is required; the others are informative.
    const required = deps.config.PILOX_RUNTIME_DEFAULT === name;
    const driver = deps.runtimes?.[name];
    if (!driver) return { ok: false, required, error: `the ${name} runtime is not part of this instance` };
    const started = performance.now();
    const a = await driver.available().catch((err: unknown) => ({ available: false as const, reason: err instanceof Error ? err.message : String(err) }));
    const latencyMs = Math.round(performance.now() - started);
    return a.available ? { ok: true, required, latencyMs } : { ok: false, required, latencyMs, error: a.reason };
  }

  async function dependencies() {
    const [database, kv] = await Promise.all([probe(() => deps.database.ping(), 2_000), probe(() => deps.kv.ping(), 2_000)]);
    return {
      database: { ...database, kind: deps.database.kind, required: true },
      kv: { ...kv, kind: deps.kv.kind, required: true },
    };
  }

  return {
    /** Public liveness: with HEALTH_CHECK_DEEP the database must answer too. Discloses nothing else. */
    async liveness(): Promise<{ ok: boolean }> {
      if (!deps.config.HEALTH_CHECK_DEEP) return { ok: true };
      const db = await probe(() => deps.database.ping(), 2_000);
      return { ok: db.ok };
    },
    dependencies,
    /** GET /api/system/health: every dependency and runtime; `down` only when a required one is. */
    async health(): Promise<{ status: 'ok' | 'degraded' | 'down'; services: Record<string, ServiceHealth> }> {
      const [base, ...drivers] = await Promise.all([dependencies(), ...DRIVERS.map((d) => runtimeHealth(d))]);
      const services: Record<string, ServiceHealth> = { postgres: base.database, redis: base.kv };
      DRIVERS.forEach((d, i) => (services[`runtime:${d}`] = drivers[i]!));
      services['runtime:firecracker'] = {
        ok: false,
        required: false,
        error: existsSync('/dev/kvm') ? 'the firecracker runtime is not part of this version' : 'no KVM (/dev/kvm missing); firecracker is not part of this version',
      };
      const all = Object.values(services);
      const status = all.some((s) => s.required && !s.ok) ? 'down' : all.some((s) => !s.ok) ? 'degraded' : 'ok';
      return { status, services };
    },
  };
}

export type SystemService = ReturnType<typeof createSystemService>;
