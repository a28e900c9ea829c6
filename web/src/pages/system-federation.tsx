// Federation (mesh): this instance's federation settings, its peers (with a probe for operators)
// and the directory of peer agents, each callable here under its local slug.
import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../lib/api';
import { hasRole, useMe } from '../lib/auth';
import { formatDate } from '../lib/format';
import type { FederationDirectory, FederationStatus } from '../lib/types';
import { Button } from '../components/button';
import { Badge, Card, CopyButton, EmptyState, ErrorState, Spinner } from '../components/feedback';

export function FederationCard() {
  const me = useMe();
  const qc = useQueryClient();
  const [probing, setProbing] = useState(false);
  const [probeError, setProbeError] = useState<unknown>(null);
  const status = useQuery({ queryKey: ['federation', 'status'], queryFn: () => api<FederationStatus>('/api/mesh/federation/status') });
  const directory = useQuery({ queryKey: ['federation', 'directory'], queryFn: () => api<FederationDirectory>('/api/mesh/federation/directory'), enabled: status.data?.enabled === true });
  const probe = async () => {
    setProbing(true);
    setProbeError(null);
    try {
      qc.setQueryData(['federation', 'status'], await api<FederationStatus>('/api/mesh/federation/status?probe=1'));
      await qc.invalidateQueries({ queryKey: ['federation', 'directory'] });
    } catch (err) {
      setProbeError(err);
    } finally {
      setProbing(false);
    }
  };
  const s = status.data;
  return (
    <Card
      title="Federation"
      actions={
        <>
          {s && <Badge tone={s.enabled ? 'green' : 'neutral'}>{s.enabled ? 'enabled' : 'disabled'}</Badge>}
          {s?.enabled && hasRole(me.data, 'operator') && s.peers.length > 0 && <Button size="sm" variant="secondary" busy={probing} onClick={probe}>Probe peers</Button>}
        </>
      }
    >
      {status.isPending ? (
        <Spinner />
      ) : status.isError ? (
        <ErrorState error={status.error} onRetry={() => status.refetch()} />
      ) : !s!.enabled ? (
        <p className="text-sm text-zinc-500 dark:text-zinc-400">Federation with other Pilox instances is off (MESH_FEDERATION_ENABLED).</p>
      ) : (
        <div className="space-y-4 text-sm">
          {probeError !== null && <ErrorState error={probeError} />}
          <dl className="grid grid-cols-1 gap-2 sm:grid-cols-3">
            <div><dt className="text-zinc-500 dark:text-zinc-400">This instance</dt><dd className="break-all font-mono text-xs">{s!.origin}</dd></div>
            <div><dt className="text-zinc-500 dark:text-zinc-400">Tokens</dt><dd>{s!.jwtAlg} · {s!.jwtTtlSeconds} s{s!.requireJti ? ' · single use' : ''}</dd></div>
            <div><dt className="text-zinc-500 dark:text-zinc-400">Inbound allowlist</dt><dd>{s!.inboundAllowlistEntries ? `${s!.inboundAllowlistEntries} entries` : 'any address'}</dd></div>
          </dl>
          {s!.peers.length === 0 ? (
            <EmptyState title="No peers">Peers are configured with MESH_FEDERATION_PEERS.</EmptyState>
          ) : (
            <ul className="divide-y divide-zinc-100 dark:divide-zinc-800">
              {s!.peers.map((p) => {
                const dir = directory.data?.peers.find((d) => d.index === p.index);
                return (
                  <li key={p.index} className="space-y-2 py-3">
                    <div className="flex flex-wrap items-center justify-between gap-2">
                      <span className="break-all font-medium">{p.origin}</span>
                      {p.probe ? (
                        <Badge tone={p.probe.ok ? 'green' : 'red'}>
                          {p.probe.ok ? `reachable · ${p.probe.latencyMs} ms · ${p.probe.agents ?? 0} agent${p.probe.agents === 1 ? '' : 's'}` : `unreachable${p.probe.error ? `: ${p.probe.error}` : ''}`}
                        </Badge>
                      ) : (
                        <Badge>not probed</Badge>
                      )}
                    </div>
                    {dir && dir.agents.length > 0 && (
                      <ul className="space-y-1">
                        {dir.agents.map((a) => (
                          <li key={a.id} className="flex flex-wrap items-center justify-between gap-2 rounded-md bg-zinc-50 px-2 py-1.5 dark:bg-zinc-950">
                            <span className="min-w-0">
                              <span className="font-medium">{a.name}</span>{' '}
                              <code className="font-mono text-xs text-zinc-500 dark:text-zinc-400">{a.localSlug}</code>
                            </span>
                            <CopyButton value={`${window.location.origin}/a2a/agents/${a.localSlug}`} label="Copy URL" />
                          </li>
                        ))}
                      </ul>
                    )}
                    {dir?.agentsFetchedAt && <p className="text-xs text-zinc-500 dark:text-zinc-400">Agents as of {formatDate(dir.agentsFetchedAt)}</p>}
                  </li>
                );
              })}
            </ul>
          )}
        </div>
      )}
    </Card>
  );
}
