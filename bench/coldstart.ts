// `npm run bench -- coldstart`: POST /api/agents/:id/start → first successful agent-card read
// on the agent's socket (start answers once the card was read), 20 runs per runtime driver on
// a minimal package agent. A driver that is unavailable here prints `na`.
import { createPackageAgent, lifecycle, p50, startBenchPilox } from './agents-lib.js';

const RUNS = Number(process.env.BENCH_COLDSTART_RUNS ?? 20);

export async function run(): Promise<void> {
  const p = await startBenchPilox();
  const results: Record<string, string> = {};
  try {
    for (const driver of ['sandbox', 'process', 'docker'] as const) {
      const runtime = p.container.runtimes[driver];
      const avail = runtime ? await runtime.available() : { available: false as const, reason: 'driver not part of this instance' };
      if (!avail.available) {
        process.stderr.write(`coldstart: ${driver} unavailable (${avail.reason})\n`);
        results[`${driver}_p50_ms`] = 'na';
        continue;
      }
      const id = await createPackageAgent(p, `cold-${driver}`, driver);
      // One warm-up start (page cache, first cgroup creation) not counted.
      await lifecycle(p, id, 'start');
      await lifecycle(p, id, 'stop');
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const t0 = performance.now();
        const agent = await lifecycle(p, id, 'start');
        const ms = performance.now() - t0;
        if (agent.status !== 'ready') throw new Error(`${driver}: start ended ${agent.status}`);
        times.push(ms);
        await lifecycle(p, id, 'stop');
      }
      process.stderr.write(`coldstart ${driver}: ${times.map((t) => t.toFixed(0)).join(' ')}\n`);
      results[`${driver}_p50_ms`] = p50(times).toFixed(0);
    }
  } finally {
    await p.close();
  }
  process.stdout.write(`RESULT coldstart ${Object.entries(results).map(([k, v]) => `${k}=${v}`).join(' ')}\n`);
}
