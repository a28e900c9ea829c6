// Usage report: model calls of your agents (admins: optionally everyone's) between two dates,
// grouped by agent, model or day (UTC), as a table and a bar chart of tokens per group.
import { useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from '../lib/api';
import { hasRole, useMe } from '../lib/auth';
import type { Agent, UsageReport } from '../lib/types';
import { formatCost } from './agents/usage';
import { Card, EmptyState, ErrorState, PageHeader, Spinner } from '../components/feedback';
import { Field, Input, Select } from '../components/form';
import { Table, Td } from '../components/table';

type GroupBy = 'agent' | 'model' | 'day';
const day = (d: Date) => d.toISOString().slice(0, 10);

function Chart({ report, label }: { report: UsageReport; label: (key: string) => string }) {
  const items = report.items.slice(0, 60);
  const max = Math.max(1, ...items.map((s) => s.tokensIn + s.tokensOut));
  const W = 600;
  const H = 120;
  // At least 10 slots, so one or two groups are bars rather than blocks filling the chart.
  const bw = W / Math.max(items.length, 10);
  return (
    <figure>
      <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" className="h-32 w-full" role="img" aria-label={`Tokens per ${report.groupBy}`}>
        {items.map((s, i) => {
          const hIn = (s.tokensIn / max) * H;
          const hOut = (s.tokensOut / max) * H;
          return (
            <g key={s.key}>
              <title>{`${label(s.key)}: ${s.tokensIn} in, ${s.tokensOut} out tokens, cost ${formatCost(s.costMicros)}`}</title>
              <rect x={i * bw + 1} y={H - hIn - hOut} width={Math.max(bw - 2, 1)} height={hOut} className="fill-indigo-300 dark:fill-indigo-700" />
              <rect x={i * bw + 1} y={H - hIn} width={Math.max(bw - 2, 1)} height={hIn} className="fill-indigo-600 dark:fill-indigo-400" />
            </g>
          );
        })}
      </svg>
      <figcaption className="mt-1 flex gap-4 text-xs text-zinc-500 dark:text-zinc-400">
        <span className="flex items-center gap-1"><span className="inline-block size-2 rounded-sm bg-indigo-600 dark:bg-indigo-400" />input tokens</span>
        <span className="flex items-center gap-1"><span className="inline-block size-2 rounded-sm bg-indigo-300 dark:bg-indigo-700" />output tokens</span>
      </figcaption>
    </figure>
  );
}

export default function UsagePage() {
  const me = useMe();
  const isAdmin = hasRole(me.data, 'admin');
  const now = new Date();
  const [from, setFrom] = useState(day(new Date(now.getTime() - 29 * 86_400_000)));
  const [to, setTo] = useState(day(now));
  const [groupBy, setGroupBy] = useState<GroupBy>('day');
  const [all, setAll] = useState(false);
  // Dates are whole UTC days; `to` is exclusive in the API, so the end day is included by +1 day.
  const fromIso = from ? `${from}T00:00:00Z` : '';
  const toIso = to ? new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000).toISOString() : '';
  const qs = new URLSearchParams({ groupBy, ...(fromIso && { from: fromIso }), ...(toIso && { to: toIso }), ...(all && isAdmin && { all: 'true' }) });
  const report = useQuery({ queryKey: ['usage', qs.toString()], queryFn: () => api<UsageReport>(`/api/usage?${qs}`), placeholderData: keepPreviousData });
  const agents = useQuery({ queryKey: ['agents', 'names'], queryFn: () => api<{ items: Agent[] }>('/api/agents?limit=200'), enabled: groupBy === 'agent' });
  const names = new Map((agents.data?.items ?? []).map((a) => [a.id, a.name]));
  const label = (key: string) => (groupBy === 'agent' ? (names.get(key) ?? key) : groupBy === 'day' ? key.slice(0, 10) : key);
  return (
    <div className="space-y-6">
      <PageHeader title="Usage" description="Model calls of your agents: requests, tokens and cost (provider price currency)." />
      <Card>
        <form className="flex flex-wrap items-end gap-3" onSubmit={(e) => e.preventDefault()} aria-label="Report range">
          <div className="w-40"><Field label="From (UTC)">{(p) => <Input {...p} type="date" value={from} max={to} onChange={(e) => setFrom(e.target.value)} />}</Field></div>
          <div className="w-40"><Field label="To (UTC, included)">{(p) => <Input {...p} type="date" value={to} min={from} onChange={(e) => setTo(e.target.value)} />}</Field></div>
          <div className="w-36">
            <Field label="Group by">
              {(p) => (
                <Select {...p} value={groupBy} onChange={(e) => setGroupBy(e.target.value as GroupBy)}>
                  <option value="day">day</option>
                  <option value="agent">agent</option>
                  <option value="model">model</option>
                </Select>
              )}
            </Field>
          </div>
          {isAdmin && (
            <label className="flex h-9 items-center gap-2 text-sm">
              <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} className="size-4 accent-indigo-600" />
              All users
            </label>
          )}
        </form>
      </Card>
      {report.isPending ? (
        <Spinner />
      ) : report.isError ? (
        <ErrorState error={report.error} onRetry={() => report.refetch()} />
      ) : report.data.items.length === 0 ? (
        <EmptyState title="No model calls in this range">Calls made by managed agents (chat, A2A) are counted here.</EmptyState>
      ) : (
        <Card title={`${report.data.totals.requests.toLocaleString()} requests · ${(report.data.totals.tokensIn + report.data.totals.tokensOut).toLocaleString()} tokens · cost ${formatCost(report.data.totals.costMicros)}`}>
          <div className="space-y-4">
            <Chart report={report.data} label={label} />
            <Table label="Usage" head={[groupBy, 'Requests', 'Tokens in', 'Tokens out', 'Cost']}>
              {report.data.items.map((i) => (
                <tr key={i.key}>
                  <Td className="min-w-32 break-all">{label(i.key)}</Td>
                  <Td className="text-right">{i.requests.toLocaleString()}</Td>
                  <Td className="text-right">{i.tokensIn.toLocaleString()}</Td>
                  <Td className="text-right">{i.tokensOut.toLocaleString()}</Td>
                  <Td className="text-right">{formatCost(i.costMicros)}</Td>
                </tr>
              ))}
            </Table>
          </div>
        </Card>
      )}
    </div>
  );
}
