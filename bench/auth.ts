// Authenticated GET /api/auth/me with an API token vs GET /api/health on the same server, in
// alternating rounds (like health.ts) so machine noise hits both alike. The per-user API rate
// limit stays on (with a budget the load cannot reach) so its cost is measured too.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { load, median, piloxArgs, result, startProcess } from './lib.js';

const run$ = promisify(execFile);

export async function run(): Promise<void> {
  const seconds = Number(process.env.BENCH_DURATION ?? 5);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
  const dataDir = mkdtempSync(join(tmpdir(), 'pilox-bench-auth-'));
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PILOX_DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  const [node, script] = [process.execPath, piloxArgs()[0]!];
  await run$(node, [script, 'admin', 'create', '--email', 'bench@example.com'], { env });
  const token = (await run$(node, [script, 'token', 'create', '--role', 'viewer', '--name', 'bench'], { env })).stdout.trim();

  const pilox = await startProcess(piloxArgs(), {
    PORT: '0',
    HOST: '127.0.0.1',
    PILOX_DATA_DIR: dataDir,
    API_RATE_LIMIT_MAX: '1000000000',
  });
  const healthUrl = `${pilox.url}/api/health`;
  const meUrl = `${pilox.url}/api/auth/me`;
  const headers = { authorization: `Bearer ${token}` };
  try {
    await load(healthUrl, { duration: 2 });
    await load(meUrl, { duration: 2, headers });
    const healthRps: number[] = [];
    const tokenRps: number[] = [];
    const tokenP50: number[] = [];
    for (let i = 0; i < rounds; i++) {
      healthRps.push((await load(healthUrl, { duration: seconds })).rps);
      const t = await load(meUrl, { duration: seconds, headers });
      tokenRps.push(t.rps);
      tokenP50.push(t.p50);
    }
    const ratios = tokenRps.map((r, i) => r / healthRps[i]!);
    result('auth', {
      token_rps: Math.round(median(tokenRps)),
      health_rps: Math.round(median(healthRps)),
      ratio: median(ratios).toFixed(2),
      p50_ms: median(tokenP50).toFixed(1),
    });
  } finally {
    await pilox.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
