// One agent: lifecycle, A2A URLs, configuration, live logs and resource usage.
import { useRef, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import * as Tabs from '@radix-ui/react-tabs';
import { ArrowLeft, MessageSquare } from 'lucide-react';
import { api } from '../../lib/api';
import { hasRole, useMe } from '../../lib/auth';
import { formatDate } from '../../lib/format';
import type { A2aStatus, Agent, AgentStats } from '../../lib/types';
import { ConfirmButton } from '../../components/confirm';
import { Alert, Badge, Card, CopyButton, ErrorState, Spinner } from '../../components/feedback';
import { AGENTS_KEY, LifecycleButtons, StatusBadge, agentKey, formatBytes, pollInterval } from './common';
import { AgentEditForm } from './edit';
import { AgentLogs } from './logs';
import { AgentUsage } from './usage';

function Url({ label, value }: { label: string; value: string }) {
  return (
    <div className="space-y-1">
      <p className="text-xs font-medium text-zinc-500 dark:text-zinc-400">{label}</p>
      <div className="flex items-center gap-2">
        <code className="min-w-0 flex-1 truncate rounded bg-zinc-100 px-2 py-1.5 font-mono text-xs dark:bg-zinc-800" title={value}>{value}</code>
        <CopyButton value={value} label={`Copy`} />
      </div>
    </div>
  );
}

function A2aUrls({ agent }: { agent: Agent }) {
  const status = useQuery({ queryKey: ['a2a-status'], queryFn: () => api<A2aStatus>('/api/a2a/status'), staleTime: 60_000 });
  if (status.isPending) return <Spinner />;
  if (status.isError) return <ErrorState error={status.error} onRetry={() => status.refetch()} />;
  if (!status.data.enabled) return <Alert>The A2A gateway is disabled on this instance.</Alert>;
  const fill = (t: string) => t.replace('{slug}', agent.slug);
  return (
    <div className="space-y-3">
      <Url label="Agent card" value={fill(status.data.endpoints.agentCard)} />
      <Url label="JSON-RPC endpoint" value={fill(status.data.endpoints.agentJsonRpc)} />
      {agent.cardUrl && <Url label="Remote card (source)" value={agent.cardUrl} />}
    </div>
  );
}

function Stats({ agent }: { agent: Agent }) {
  // CPU use is the growth of cpuSeconds between two polls.
  const prev = useRef<{ cpu: number; at: number } | null>(null);
  const [cpuPct, setCpuPct] = useState<number | null>(null);
  const stats = useQuery({
    queryKey: ['agents', agent.id, 'stats'],
    queryFn: async () => {
      const s = await api<AgentStats>(`/api/agents/${agent.id}/stats`);
      const now = performance.now();
      if (s.cpuSeconds !== null && prev.current) {
        const dt = (now - prev.current.at) / 1000;
        if (dt > 0) setCpuPct(Math.max(0, ((s.cpuSeconds - prev.current.cpu) / dt) * 100));
      }
      prev.current = s.cpuSeconds !== null ? { cpu: s.cpuSeconds, at: now } : null;
      return s;
    },
    refetchInterval: 3_000,
    enabled: agent.kind !== 'remote',
  });
  if (agent.kind === 'remote') return <p className="text-sm text-zinc-500 dark:text-zinc-400">Remote agents run elsewhere; there is nothing to measure here.</p>;
  if (stats.isPending) return <Spinner />;
  if (stats.isError) return <ErrorState error={stats.error} onRetry={() => stats.refetch()} />;
  const s = stats.data;
  if (s.memoryBytes === null && s.cpuSeconds === null) return <p className="text-sm text-zinc-500 dark:text-zinc-400">Not running: start the agent to see its resource usage.</p>;
  const memPct = s.memoryBytes !== null && s.memoryLimitBytes ? Math.min(100, (s.memoryBytes / s.memoryLimitBytes) * 100) : null;
  return (
    <dl className="grid grid-cols-1 gap-4 text-sm sm:grid-cols-3">
      <div>
        <dt className="text-zinc-500 dark:text-zinc-400">Memory</dt>
        <dd className="mt-1 font-medium">{formatBytes(s.memoryBytes)}{s.memoryLimitBytes ? ` of ${formatBytes(s.memoryLimitBytes)}` : ''}</dd>
        {memPct !== null && (
          <div className="mt-2 h-2 rounded-full bg-zinc-200 dark:bg-zinc-800" role="meter" aria-label="Memory use" aria-valuenow={Math.round(memPct)} aria-valuemin={0} aria-valuemax={100}>
            <div className={`h-2 rounded-full ${memPct > 85 ? 'bg-red-500' : 'bg-indigo-500'}`} style={{ width: `${memPct}%` }} />
          </div>
        )}
      </div>
      <div>
        <dt className="text-zinc-500 dark:text-zinc-400">CPU</dt>
        <dd className="mt-1 font-medium">{cpuPct !== null ? `${cpuPct.toFixed(1)} %` : '…'} <span className="font-normal text-zinc-500 dark:text-zinc-400">({s.cpuSeconds?.toFixed(2) ?? '—'} s total)</span></dd>
      </div>
      <div>
        <dt className="text-zinc-500 dark:text-zinc-400">Processes</dt>
        <dd className="mt-1 font-medium">{s.pids ?? '—'}</dd>
      </div>
    </dl>
  );
}

function Config({ agent }: { agent: Agent }) {
  const rows: [string, React.ReactNode][] = [
    ['Kind', <Badge key="k">{agent.kind}</Badge>],
    ['Runtime', agent.runtime ?? 'default'],
    ['Visibility', agent.visibility],
    ['Restart policy', `${agent.restartPolicy} (restarted ${agent.restartCount}×)`],
    ['Limits', `${agent.limits.memoryMb} MiB · ${agent.limits.cpuShares} CPU shares · ${agent.limits.pids} processes`],
    ['Created', formatDate(agent.createdAt)],
    ['Started', formatDate(agent.startedAt)],
  ];
  if (agent.managed) {
    rows.push(['Model', <code key="m" className="font-mono text-xs">{agent.managed.model}</code>]);
    if (agent.managed.tools?.length) rows.push(['Tools', agent.managed.tools.map((t) => t.name).join(', ')]);
  }
  if (agent.package) rows.push(['Package', <span key="p" className="font-mono text-xs">{agent.package.entry} · {formatBytes(agent.package.bytes)} · sha256 {agent.package.sha256.slice(0, 12)}…</span>]);
  if (agent.image) rows.push(['Image', <code key="i" className="font-mono text-xs">{agent.image}</code>]);
  if (agent.secretRefs.length) rows.push(['Secrets', agent.secretRefs.join(', ')]);
  return (
    <div className="space-y-4">
      <dl className="divide-y divide-zinc-100 text-sm dark:divide-zinc-800">
        {rows.map(([k, v]) => (
          <div key={k} className="flex flex-wrap justify-between gap-2 py-1.5">
            <dt className="text-zinc-500 dark:text-zinc-400">{k}</dt>
            <dd className="min-w-0 text-right">{v}</dd>
          </div>
        ))}
      </dl>
      {agent.managed?.systemPrompt && (
        <div>
          <p className="mb-1 text-xs font-medium text-zinc-500 dark:text-zinc-400">System prompt</p>
          <pre className="max-h-48 overflow-auto whitespace-pre-wrap rounded bg-zinc-100 p-2 text-xs dark:bg-zinc-800">{agent.managed.systemPrompt}</pre>
        </div>
      )}
    </div>
  );
}

const tab =
  '-mb-px border-b-2 border-transparent px-3 py-2 text-sm font-medium text-zinc-600 data-[state=active]:border-indigo-600 data-[state=active]:text-indigo-700 dark:text-zinc-400 dark:data-[state=active]:border-indigo-400 dark:data-[state=active]:text-indigo-300';

export default function AgentDetailPage() {
  const { id = '' } = useParams();
  const me = useMe();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [opError, setOpError] = useState<unknown>(null);
  const agent = useQuery({
    queryKey: agentKey(id),
    queryFn: () => api<Agent>(`/api/agents/${id}`),
    refetchInterval: (q) => pollInterval(q.state.data ? [q.state.data] : undefined),
  });
  const canOperate = hasRole(me.data, 'operator');
  const back = (
    <Link to="/agents" className="mb-4 inline-flex items-center gap-1 text-sm text-zinc-600 hover:underline dark:text-zinc-400">
      <ArrowLeft className="size-4" aria-hidden /> Agents
    </Link>
  );
  if (agent.isPending) return <div>{back}<Spinner /></div>;
  if (agent.isError) return <div>{back}<ErrorState error={agent.error} onRetry={() => agent.refetch()} /></div>;
  const a = agent.data;
  return (
    <div>
      {back}
      <div className="mb-6 flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0">
          <h1 className="flex flex-wrap items-center gap-2 text-xl font-semibold tracking-tight">
            {a.name} <StatusBadge status={a.status} />
          </h1>
          <p className="mt-1 font-mono text-xs text-zinc-500 dark:text-zinc-400">{a.slug}</p>
          {a.description && <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">{a.description}</p>}
        </div>
        <div className="flex flex-wrap gap-2">
          <Link
            to={`/agents/${a.id}/chat`}
            className="inline-flex h-9 items-center gap-1.5 rounded-md border border-zinc-300 bg-white px-3.5 text-sm font-medium text-zinc-800 hover:bg-zinc-100 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100 dark:hover:bg-zinc-800"
          >
            <MessageSquare className="size-4" aria-hidden /> Chat
          </Link>
          {canOperate && (
          <>
            <LifecycleButtons agent={a} onError={setOpError} />
            <ConfirmButton
              size="md"
              label="Delete"
              title={`Delete ${a.name}?`}
              description="The agent is stopped and deleted with its files, logs and agent-scoped secrets."
              confirmLabel="Delete agent"
              onConfirm={async () => {
                await api(`/api/agents/${a.id}`, { method: 'DELETE' });
                qc.removeQueries({ queryKey: agentKey(a.id) });
                await qc.invalidateQueries({ queryKey: AGENTS_KEY });
                navigate('/agents', { replace: true });
              }}
            />
          </>
          )}
        </div>
      </div>
      {opError !== null && <div className="mb-4"><ErrorState error={opError} /></div>}
      {a.status === 'error' && <div className="mb-4"><Alert tone="error">Last exit: {a.lastExitReason ?? `code ${a.lastExitCode}`}</Alert></div>}
      {a.kind === 'package' && !a.package && <div className="mb-4"><Alert tone="warning">No package uploaded yet: the agent cannot start.</Alert></div>}
      <Tabs.Root defaultValue="overview">
        <Tabs.List aria-label="Agent" className="mb-4 flex gap-1 overflow-x-auto border-b border-zinc-200 dark:border-zinc-800">
          <Tabs.Trigger value="overview" className={tab}>Overview</Tabs.Trigger>
          {canOperate && <Tabs.Trigger value="edit" className={tab}>Edit</Tabs.Trigger>}
          {canOperate && a.kind !== 'remote' && <Tabs.Trigger value="logs" className={tab}>Logs</Tabs.Trigger>}
        </Tabs.List>
        <Tabs.Content value="overview" className="grid grid-cols-1 items-start gap-6 lg:grid-cols-2">
          <Card title="A2A"><A2aUrls agent={a} /></Card>
          <Card title="Resources"><Stats agent={a} /></Card>
          <Card title="Model usage (30 days)" className="lg:col-span-2"><AgentUsage agentId={a.id} /></Card>
          <Card title="Configuration" className="lg:col-span-2"><Config agent={a} /></Card>
        </Tabs.Content>
        {canOperate && (
          <Tabs.Content value="edit">
            <Card title="Edit"><AgentEditForm key={a.id} agent={a} /></Card>
          </Tabs.Content>
        )}
        {canOperate && a.kind !== 'remote' && (
          <Tabs.Content value="logs">
            <Card title="Logs"><AgentLogs agentId={a.id} /></Card>
          </Tabs.Content>
        )}
      </Tabs.Root>
    </div>
  );
}
