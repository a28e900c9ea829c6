// A2A push-notification delivery log (operators): each attempt to POST a task update to a
// client's webhook, newest first, optionally for one task.
import { useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from '../lib/api';
import { formatDate } from '../lib/format';
import { Badge, Card, EmptyState, ErrorState, PageHeader, Spinner } from '../components/feedback';
import { Field, Input } from '../components/form';
import { Table, Td } from '../components/table';

interface Delivery {
  id: string;
  taskId: string;
  configId: string;
  target: string;
  eventKind: string;
  attempt: number;
  outcome: 'delivered' | 'retrying' | 'failed';
  httpStatus: number | null;
  error: string | null;
  durationMs: number;
  createdAt: string;
}

const TONE = { delivered: 'green', retrying: 'amber', failed: 'red' } as const;

export default function DeliveriesPage() {
  const [taskId, setTaskId] = useState('');
  const q = useQuery({
    queryKey: ['a2a', 'deliveries', taskId.trim()],
    queryFn: () => api<{ deliveries: Delivery[] }>(`/api/a2a/push-deliveries?limit=200${taskId.trim() ? `&taskId=${encodeURIComponent(taskId.trim())}` : ''}`),
    placeholderData: keepPreviousData,
    refetchInterval: 10_000,
  });
  return (
    <div className="space-y-6">
      <PageHeader title="Push deliveries" description="A2A push notifications sent to clients' webhooks, newest first (last 200)." />
      <Card>
        <div className="max-w-sm">
          <Field label="Task id" hint="Empty: every task.">{(p) => <Input {...p} value={taskId} onChange={(e) => setTaskId(e.target.value)} maxLength={256} />}</Field>
        </div>
      </Card>
      <Card title="Deliveries">
        {q.isPending ? (
          <Spinner />
        ) : q.isError ? (
          <ErrorState error={q.error} onRetry={() => q.refetch()} />
        ) : q.data.deliveries.length === 0 ? (
          <EmptyState title="No deliveries">A client that registers a push-notification config on a task gets its updates POSTed; each attempt is listed here.</EmptyState>
        ) : (
          <Table label="Push deliveries" head={['Time', 'Task', 'Target', 'Event', 'Attempt', 'Outcome', 'HTTP', 'Duration']}>
            {q.data.deliveries.map((d) => (
              <tr key={d.id}>
                <Td className="whitespace-nowrap">{formatDate(d.createdAt)}</Td>
                <Td className="font-mono text-xs break-all">{d.taskId}</Td>
                <Td className="max-w-64 break-all text-xs">{d.target}</Td>
                <Td>{d.eventKind}</Td>
                <Td className="text-right">{d.attempt}</Td>
                <Td>
                  <Badge tone={TONE[d.outcome]}>{d.outcome}</Badge>
                  {d.error && <span className="mt-1 block text-xs text-red-700 dark:text-red-400">{d.error}</span>}
                </Td>
                <Td className="text-right">{d.httpStatus ?? '—'}</Td>
                <Td className="whitespace-nowrap text-right">{d.durationMs} ms</Td>
              </tr>
            ))}
          </Table>
        )}
      </Card>
    </div>
  );
}
