// Agents you can see, with live status (polled: the API has no status stream yet).
import { useState } from 'react';
import { Link } from 'react-router';
import { useInfiniteQuery } from '@tanstack/react-query';
import { Bot, Plus } from 'lucide-react';
import { api } from '../../lib/api';
import { hasRole, useMe } from '../../lib/auth';
import { formatRelative } from '../../lib/format';
import type { Agent } from '../../lib/types';
import { Button } from '../../components/button';
import { Badge, Card, EmptyState, ErrorState, PageHeader, Spinner } from '../../components/feedback';
import { Table, Td } from '../../components/table';
import { AGENTS_KEY, LifecycleButtons, StatusBadge, pollInterval } from './common';

export default function AgentsPage() {
  const me = useMe();
  const canCreate = hasRole(me.data, 'operator');
  const [opError, setOpError] = useState<unknown>(null);
  const agents = useInfiniteQuery({
    queryKey: AGENTS_KEY,
    queryFn: ({ pageParam }) => api<{ items: Agent[]; nextCursor: string | null }>(`/api/agents?limit=100${pageParam ? `&cursor=${pageParam}` : ''}`),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    refetchInterval: (q) => pollInterval(q.state.data?.pages.flatMap((p) => p.items)),
  });
  const items = agents.data?.pages.flatMap((p) => p.items) ?? [];
  const newButton = canCreate && (
    <Link to="/agents/new" className="inline-flex h-9 items-center gap-1.5 rounded-md bg-indigo-600 px-3.5 text-sm font-medium text-white hover:bg-indigo-500">
      <Plus className="size-4" aria-hidden />
      New agent
    </Link>
  );
  return (
    <div>
      <PageHeader title="Agents" description="Agents this instance runs or proxies, reachable over A2A." actions={newButton} />
      {opError !== null && <div className="mb-4"><ErrorState error={opError} /></div>}
      <Card>
        {agents.isPending ? (
          <Spinner />
        ) : agents.isError ? (
          <ErrorState error={agents.error} onRetry={() => agents.refetch()} />
        ) : items.length === 0 ? (
          <EmptyState title="No agents yet" action={newButton}>
            Create a managed agent from a model and a prompt, upload a package, or import a remote A2A agent by its card URL.
          </EmptyState>
        ) : (
          <>
            <Table label="Agents" head={['Agent', 'Status', 'Kind', 'Visibility', 'Started', '']}>
              {items.map((a) => (
                <tr key={a.id}>
                  <Td>
                    <Link to={`/agents/${a.id}`} className="group flex items-center gap-2">
                      <Bot className="size-4 shrink-0 text-zinc-400" aria-hidden />
                      <span className="min-w-0">
                        <span className="block font-medium group-hover:underline">{a.name}</span>
                        <span className="block font-mono text-xs text-zinc-500 dark:text-zinc-400">{a.slug}</span>
                      </span>
                    </Link>
                  </Td>
                  <Td>
                    <StatusBadge status={a.status} />
                    {a.status === 'error' && a.lastExitReason && <span className="mt-1 block max-w-48 truncate text-xs text-red-600 dark:text-red-400" title={a.lastExitReason}>{a.lastExitReason}</span>}
                  </Td>
                  <Td><Badge>{a.kind}</Badge>{a.runtime && <span className="ml-1 text-xs text-zinc-500 dark:text-zinc-400">{a.runtime}</span>}</Td>
                  <Td>{a.visibility}</Td>
                  <Td className="whitespace-nowrap">{a.status === 'ready' || a.status === 'paused' ? formatRelative(a.startedAt, '—') : '—'}</Td>
                  <Td className="text-right">{canCreate && <div className="flex justify-end"><LifecycleButtons agent={a} size="sm" onError={setOpError} /></div>}</Td>
                </tr>
              ))}
            </Table>
            {agents.hasNextPage && (
              <div className="mt-4 flex justify-center">
                <Button size="sm" variant="secondary" busy={agents.isFetchingNextPage} onClick={() => agents.fetchNextPage()}>Load more</Button>
              </div>
            )}
          </>
        )}
      </Card>
    </div>
  );
}
