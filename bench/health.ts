// GET /api/health of the real server vs a bare Fastify hello-world in the same run. Both
// servers stay up and are loaded in alternating rounds, so machine noise hits both alike.
import { join } from 'node:path';
import { load, median, piloxArgs, result, root, startProcess } from './lib.js';

export async function run(): Promise<void> {
  const seconds = Number(process.env.BENCH_DURATION ?? 5);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
  const bare = await startProcess(['--import', 'tsx', join(root, 'bench/bare-server.ts')]);
  const pilox = await startProcess(piloxArgs(), { PORT: '0', HOST: '127.0.0.1' });
  const bareUrl = bare.url;
  const piloxUrl = `${pilox.url}/api/health`;
  try {
    await load(bareUrl, { duration: 2 });
    await load(piloxUrl, { duration: 2 });
    const bareRps: number[] = [];
    const piloxRps: number[] = [];
    const piloxP50: number[] = [];
    for (let i = 0; i < rounds; i++) {
      bareRps.push((await load(bareUrl, { duration: seconds })).rps);
      const p = await load(piloxUrl, { duration: seconds });
      piloxRps.push(p.rps);
      piloxP50.push(p.p50);
    }
    // The ratio is the median of back-to-back pairs: this VM's speed drifts between rounds.
    const ratios = piloxRps.map((p, i) => p / bareRps[i]!);
    result('health', {
      rps: Math.round(median(piloxRps)),
      bare_rps: Math.round(median(bareRps)),
      ratio: median(ratios).toFixed(2),
      p50_ms: median(piloxP50).toFixed(1),
    });
  } finally {
    await pilox.stop();
    await bare.stop();
  }
}
