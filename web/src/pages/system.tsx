import { useQuery } from '@tanstack/react-query';
import { api, toApiError } from '../lib/api';
import { hasRole, useMe } from '../lib/auth';
import type { A2aStatus, SystemHealth } from '../lib/types';
import { Badge, Card, CopyButton, ErrorState, PageHeader, Spinner } from '../components/feedback';
import { AuditLog } from './system-audit';
import { FederationCard } from './system-federation';

const STATUS_TONE = { ok: 'green', degraded: 'amber', down: 'red' } as const;

function HealthCard() {
  // 503 still carries the per-dependency report, so read it from the error's body.
  const health = useQuery({
    queryKey: ['system-health'],
    queryFn: async () => {
      const res = await fetch('/api/system/health', { credentials: 'same-origin', headers: { accept: 'application/json' } });
      if (res.status === 503) return (await res.json()) as SystemHealth;
      if (!res.ok) throw await toApiError(res);
      return (await res.json()) as SystemHealth;
    },
    refetchInterval: 15_000,
  });
  return (
    <Card title="Health" actions={health.data && <Badge tone={STATUS_TONE[health.data.status]}>{health.data.status}</Badge>}>
      {health.isPending ? (
        <Spinner />
      ) : health.isError ? (
        <ErrorState error={health.error} onRetry={() => health.refetch()} />
      ) : (
        <ul className="divide-y divide-zinc-100 text-sm dark:divide-zinc-800">
          {Object.entries(health.data.services).map(([name, s]) => (
            <li key={name} className="flex flex-wrap items-center justify-between gap-2 py-2">
              <span>
                <span className="font-medium">{name}</span>{' '}
                <span className="text-zinc-500 dark:text-zinc-400">({[s.kind, s.required ? 'required' : 'optional'].filter(Boolean).join(', ')})</span>
                {s.error && <span className="block text-xs text-red-600 dark:text-red-400">{s.error}</span>}
              </span>
              <span className="flex items-center gap-2">
                {s.latencyMs !== undefined && <span className="text-xs text-zinc-500 dark:text-zinc-400">{s.latencyMs} ms</span>}
                <Badge tone={s.ok ? 'green' : s.required ? 'red' : 'amber'}>{s.ok ? 'healthy' : 'unhealthy'}</Badge>
              </span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="flex flex-wrap items-center justify-between gap-2 py-1.5">
      <dt className="text-zinc-500 dark:text-zinc-400">{label}</dt>
      <dd className="flex min-w-0 items-center gap-2 text-right">{children}</dd>
    </div>
  );
}

function A2aCard() {
  const a2a = useQuery({ queryKey: ['a2a-status'], queryFn: () => api<A2aStatus>('/api/a2a/status') });
  return (
    <Card title="A2A gateway" actions={a2a.data && <Badge tone={a2a.data.enabled ? 'green' : 'neutral'}>{a2a.data.enabled ? 'enabled' : 'disabled'}</Badge>}>
      {a2a.isPending ? (
        <Spinner />
      ) : a2a.isError ? (
        <ErrorState error={a2a.error} onRetry={() => a2a.refetch()} />
      ) : (
        <dl className="divide-y divide-zinc-100 text-sm dark:divide-zinc-800">
          <Row label="Protocol versions">{a2a.data.protocolVersions.join(', ')}</Row>
          <Row label="Bindings">{a2a.data.bindings.join(', ')}</Row>
          <Row label="Task store">{a2a.data.taskStore} · TTL {Math.round(a2a.data.taskTtlSeconds / 3600)} h</Row>
          <Row label="Tasks running here">{a2a.data.tasksRunningHere}</Row>
          <Row label="JSON-RPC minimum role"><Badge>{a2a.data.jsonrpcMinRole}</Badge></Row>
          <Row label="Public JSON-RPC">{a2a.data.publicJsonRpc.enabled ? <Badge tone="amber">on: {a2a.data.publicJsonRpc.allowedMethods.join(', ') || 'no methods'}</Badge> : <Badge>off</Badge>}</Row>
          <Row label="Push notifications">
            <Badge tone={a2a.data.pushNotifications.enabled ? 'green' : 'neutral'}>{a2a.data.pushNotifications.enabled ? 'on' : 'off'}</Badge>
          </Row>
          <Row label="Platform card">
            <code className="min-w-0 truncate font-mono text-xs">{a2a.data.endpoints.platformCard}</code>
            <CopyButton value={a2a.data.endpoints.platformCard} />
          </Row>
          <Row label="Platform JSON-RPC">
            <code className="min-w-0 truncate font-mono text-xs">{a2a.data.endpoints.platformJsonRpc}</code>
            <CopyButton value={a2a.data.endpoints.platformJsonRpc} />
          </Row>
        </dl>
      )}
    </Card>
  );
}

export default function SystemPage() {
  const me = useMe();
  return (
    <div className="space-y-6">
      <PageHeader title="System" description="Health of this Pilox instance and its dependencies." />
      <div className="grid grid-cols-1 items-start gap-6 lg:grid-cols-2">
        <HealthCard />
        <A2aCard />
      </div>
      <FederationCard />
      {hasRole(me.data, 'admin') && <AuditLog />}
    </div>
  );
}
