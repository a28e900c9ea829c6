import type { Config } from '../../config.js';
import type { Database } from '../../lib/db/database.js';
import type { Kv } from '../../lib/kv/index.js';

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

export function createSystemService(deps: { database: Database; kv: Kv; config: Pick<Config, 'HEALTH_CHECK_DEEP'> }) {
  return {
    /** Public liveness: with HEALTH_CHECK_DEEP the database must answer too. Discloses nothing else. */
    async liveness(): Promise<{ ok: boolean }> {
      if (!deps.config.HEALTH_CHECK_DEEP) return { ok: true };
      const db = await probe(() => deps.database.ping(), 2_000);
      return { ok: db.ok };
    },
    async dependencies() {
      const [database, kv] = await Promise.all([
        probe(() => deps.database.ping(), 2_000),
        probe(() => deps.kv.ping(), 2_000),
      ]);
      return {
        database: { ...database, kind: deps.database.kind, required: true },
        kv: { ...kv, kind: deps.kv.kind, required: true },
      };
    },
  };
}

export type SystemService = ReturnType<typeof createSystemService>;
