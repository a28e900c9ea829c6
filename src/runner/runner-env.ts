// The runner's environment contract (src/runtime/agent-host.ts, ManagedRunner). The runner is a
// separate program, so it reads its own variables here rather than through src/config.ts.
import { z } from 'zod';

const agentConfigSchema = z.object({
  id: z.string().max(200),
  slug: z.string().max(200),
  name: z.string().min(1).max(200),
  description: z.string().max(4000).optional().default(''),
  managed: z.unknown(),
});

export interface RunnerEnv {
  agentSocket: string;
  hostSocket: string;
  workDir: string;
  config: z.infer<typeof agentConfigSchema>;
}

export function readRunnerEnv(env: NodeJS.ProcessEnv = process.env): RunnerEnv | { error: string } {
  const missing = ['PILOX_AGENT_SOCKET', 'PILOX_HOST_SOCKET', 'PILOX_AGENT_CONFIG', 'PILOX_WORK_DIR'].filter((k) => !env[k]);
  if (missing.length > 0) return { error: `missing ${missing.join(', ')}` };
  let raw: unknown;
  try {
    raw = JSON.parse(env.PILOX_AGENT_CONFIG!);
  } catch {
    return { error: 'PILOX_AGENT_CONFIG is not JSON' };
  }
  const config = agentConfigSchema.safeParse(raw);
  if (!config.success) return { error: `PILOX_AGENT_CONFIG: ${config.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}` };
  return { agentSocket: env.PILOX_AGENT_SOCKET!, hostSocket: env.PILOX_HOST_SOCKET!, workDir: env.PILOX_WORK_DIR!, config: config.data };
}
