// Pieces shared by the agent pages: status badges, lifecycle buttons, query keys.
import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { Pause, Play, RotateCw, Square } from 'lucide-react';
import { api } from '../../lib/api';
import type { Agent, AgentStatus } from '../../lib/types';
import { Badge } from '../../components/feedback';
import { Button } from '../../components/button';

export const AGENTS_KEY = ['agents'] as const;
export const agentKey = (id: string) => ['agents', id] as const;

const TONE: Record<AgentStatus, 'neutral' | 'green' | 'amber' | 'red' | 'blue'> = {
  created: 'neutral',
  starting: 'blue',
  ready: 'green',
  stopped: 'neutral',
  paused: 'amber',
  error: 'red',
};

export function StatusBadge({ status }: { status: AgentStatus }) {
  return (
    <Badge tone={TONE[status]}>
      <span className={`mr-1 inline-block size-1.5 rounded-full bg-current ${status === 'starting' ? 'animate-pulse' : ''}`} aria-hidden />
      {status}
    </Badge>
  );
}

/** While an agent is changing state the pages poll faster; otherwise every few seconds. */
export function pollInterval(agents: Pick<Agent, 'status' | 'desiredState'>[] | undefined): number {
  const moving = agents?.some((a) => a.status === 'starting' || (a.desiredState === 'running' && a.status !== 'ready' && a.status !== 'error'));
  return moving ? 1_000 : 4_000;
}

type Op = 'start' | 'stop' | 'pause' | 'resume' | 'restart';

/** The operations that make sense for the agent's state. Remote agents are only proxied. */
export function availableOps(a: Agent): Op[] {
  if (a.kind === 'remote') return [];
  switch (a.status) {
    case 'ready':
      return ['pause', 'restart', 'stop'];
    case 'paused':
      return ['resume', 'stop'];
    case 'starting':
      return ['stop'];
    default:
      return ['start'];
  }
}

const ICON = { start: Play, stop: Square, pause: Pause, resume: Play, restart: RotateCw };
const LABEL = { start: 'Start', stop: 'Stop', pause: 'Pause', resume: 'Resume', restart: 'Restart' };

export function LifecycleButtons({ agent, size = 'md', onError }: { agent: Agent; size?: 'sm' | 'md'; onError: (err: unknown) => void }) {
  const qc = useQueryClient();
  const [busy, setBusy] = useState<Op | null>(null);
  const run = async (op: Op) => {
    setBusy(op);
    onError(null);
    try {
      const next = await api<Agent>(`/api/agents/${agent.id}/${op}`, { method: 'POST' });
      qc.setQueryData(agentKey(agent.id), next);
      await qc.invalidateQueries({ queryKey: AGENTS_KEY });
    } catch (err) {
      onError(err);
    } finally {
      setBusy(null);
    }
  };
  return (
    <div className="flex flex-wrap gap-2">
      {availableOps(agent).map((op) => {
        const Icon = ICON[op];
        return (
          <Button key={op} size={size} variant={op === 'start' || op === 'resume' ? 'primary' : 'secondary'} busy={busy === op} disabled={busy !== null} onClick={() => run(op)} aria-label={`${LABEL[op]} ${agent.name}`}>
            {busy !== op && <Icon className="size-3.5" aria-hidden />}
            {LABEL[op]}
          </Button>
        );
      })}
    </div>
  );
}

export function formatBytes(n: number | null): string {
  if (n === null) return '—';
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
