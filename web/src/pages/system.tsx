import { useQuery } from '@tanstack/react-query';
import { api } from '../lib/api';
import { Badge, Card, ErrorState, PageHeader, Spinner } from '../components/feedback';

export default function SystemPage() {
  const health = useQuery({ queryKey: ['health'], queryFn: () => api<{ ok: boolean }>('/api/health'), refetchInterval: 10_000 });
  return (
    <div className="space-y-6">
      <PageHeader title="System" description="Health of this Pilox instance and its dependencies." />
      <Card title="Server">
        {health.isPending ? (
          <Spinner />
        ) : health.isError ? (
          <ErrorState error={health.error} onRetry={() => health.refetch()} />
        ) : (
          <p className="flex items-center gap-2 text-sm">
            API <Badge tone={health.data.ok ? 'green' : 'red'}>{health.data.ok ? 'healthy' : 'unhealthy'}</Badge>
          </p>
        )}
      </Card>
    </div>
  );
}
