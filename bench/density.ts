// `npm run bench -- density`: starts 50 idle sandboxed agents (minimal package agent) and
// reports the memory each takes (its cgroup's usage: RSS + page cache it touched) and the wall
// time to start them all (8 starts in flight).
import { createPackageAgent, lifecycle, startBenchPilox } from './agents-lib.js';

const AGENTS = Number(process.env.BENCH_DENSITY_AGENTS ?? 50);
const PARALLEL = 8;

export async function run(): Promise<void> {
  const p = await startBenchPilox();
  try {
    const sandbox = p.container.runtimes.sandbox;
    const avail = sandbox ? await sandbox.available() : { available: false as const, reason: 'no sandbox driver' };
    if (!avail.available) throw new Error(`density needs the sandbox runtime: ${avail.reason}`);
    const ids: string[] = [];
    for (let i = 0; i < AGENTS; i++) ids.push(await createPackageAgent(p, `dense-${i}`, 'sandbox'));
    const t0 = performance.now();
    const queue = [...ids];
    await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        for (let id = queue.shift(); id; id = queue.shift()) {
          const a = await lifecycle(p, id, 'start');
          if (a.status !== 'ready') throw new Error(`agent ${id} ended ${a.status}`);
        }
      }),
    );
    const startAll = (performance.now() - t0) / 1000;
    await new Promise((r) => setTimeout(r, 2000)); // settle (idle)
    let total = 0;
    for (const id of ids) {
      const s = await p.app.inject({ method: 'GET', url: `/api/agents/${id}/stats`, headers: p.auth });
      total += (s.json() as { memoryBytes: number | null }).memoryBytes ?? 0;
    }
    const rssMbPerAgent = total / ids.length / (1024 * 1024);
    for (const id of ids) await lifecycle(p, id, 'stop');
    process.stdout.write(`RESULT density agents=${AGENTS} rss_mb_per_agent=${rssMbPerAgent.toFixed(1)} start_all_s=${startAll.toFixed(2)}\n`);
  } finally {
    await p.close();
  }
}
