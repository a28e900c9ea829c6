// Tokens and cost per day (UTC) of one agent over the last 30 days, as an SVG bar chart.
import { useQuery } from '@tanstack/react-query';
import { api } from '../../lib/api';
import type { UsageReport } from '../../lib/types';
import { ErrorState, Spinner } from '../../components/feedback';

const DAYS = 30;

export function formatCost(micros: number): string {
  const v = micros / 1_000_000;
  return v === 0 ? '0' : v < 0.01 ? v.toPrecision(2) : v.toFixed(2);
}

function days(to: Date): string[] {
  const out: string[] = [];
  for (let i = DAYS - 1; i >= 0; i--) out.push(new Date(to.getTime() - i * 86_400_000).toISOString().slice(0, 10));
  return out;
}

export function AgentUsage({ agentId }: { agentId: string }) {
  const usage = useQuery({ queryKey: ['agents', agentId, 'usage'], queryFn: () => api<UsageReport>(`/api/agents/${agentId}/usage?groupBy=day`), refetchInterval: 30_000 });
  if (usage.isPending) return <Spinner />;
  if (usage.isError) return <ErrorState error={usage.error} onRetry={() => usage.refetch()} />;
  const r = usage.data;
  const byDay = new Map(r.items.map((i) => [i.key.slice(0, 10), i]));
  const series = days(new Date(r.to)).map((d) => ({ day: d, ...(byDay.get(d) ?? { requests: 0, tokensIn: 0, tokensOut: 0, costMicros: 0 }) }));
  const max = Math.max(1, ...series.map((s) => s.tokensIn + s.tokensOut));
  const W = 600;
  const H = 120;
  const bw = W / DAYS;
  return (
    <div className="space-y-3">
      <dl className="grid grid-cols-3 gap-2 text-sm">
        <div><dt className="text-zinc-500 dark:text-zinc-400">Requests</dt><dd className="font-medium">{r.totals.requests.toLocaleString()}</dd></div>
        <div><dt className="text-zinc-500 dark:text-zinc-400">Tokens (in / out)</dt><dd className="font-medium">{r.totals.tokensIn.toLocaleString()} / {r.totals.tokensOut.toLocaleString()}</dd></div>
        <div><dt className="text-zinc-500 dark:text-zinc-400">Cost</dt><dd className="font-medium">{formatCost(r.totals.costMicros)}</dd></div>
      </dl>
      {r.totals.requests === 0 ? (
        <p className="text-sm text-zinc-500 dark:text-zinc-400">No model calls in the last {DAYS} days.</p>
      ) : (
        <figure>
          <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" className="h-28 w-full" role="img" aria-label={`Tokens per day over the last ${DAYS} days`}>
            {series.map((s, i) => {
              const hIn = (s.tokensIn / max) * H;
              const hOut = (s.tokensOut / max) * H;
              return (
                <g key={s.day}>
                  <title>{`${s.day}: ${s.tokensIn} in, ${s.tokensOut} out tokens, cost ${formatCost(s.costMicros)}`}</title>
                  <rect x={i * bw + 1} y={H - hIn - hOut} width={bw - 2} height={hOut} className="fill-indigo-300 dark:fill-indigo-700" />
                  <rect x={i * bw + 1} y={H - hIn} width={bw - 2} height={hIn} className="fill-indigo-600 dark:fill-indigo-400" />
                </g>
              );
            })}
          </svg>
          <div className="mt-1 flex justify-between text-xs text-zinc-500 dark:text-zinc-400">
            <span>{series[0]!.day}</span>
            <span>{series[DAYS - 1]!.day}</span>
          </div>
          <figcaption className="mt-1 flex gap-4 text-xs text-zinc-500 dark:text-zinc-400">
            <span className="flex items-center gap-1"><span className="inline-block size-2 rounded-sm bg-indigo-600 dark:bg-indigo-400" />input tokens</span>
            <span className="flex items-center gap-1"><span className="inline-block size-2 rounded-sm bg-indigo-300 dark:bg-indigo-700" />output tokens</span>
          </figcaption>
        </figure>
      )}
    </div>
  );
}
