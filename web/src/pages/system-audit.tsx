// Audit log (admin): filters combine with AND; pages by cursor ("Load more").
import { Fragment, useState, type FormEvent } from 'react';
import { useInfiniteQuery } from '@tanstack/react-query';
import { api } from '../lib/api';
import { formatDate } from '../lib/format';
import type { AuditEntry } from '../lib/types';
import { Button } from '../components/button';
import { Badge, Card, EmptyState, ErrorState, Spinner } from '../components/feedback';
import { Field, Input, Select } from '../components/form';
import { Table, Td } from '../components/table';

interface Filters {
  action: string;
  actorId: string;
  targetType: string;
  outcome: '' | 'success' | 'failure';
  from: string;
  to: string;
}
const EMPTY: Filters = { action: '', actorId: '', targetType: '', outcome: '', from: '', to: '' };

function query(f: Filters, cursor: number | null): string {
  const q = new URLSearchParams({ limit: '50' });
  if (f.action.trim()) q.set('action', f.action.trim());
  if (f.actorId.trim()) q.set('actorId', f.actorId.trim());
  if (f.targetType.trim()) q.set('targetType', f.targetType.trim());
  if (f.outcome) q.set('outcome', f.outcome);
  // <input type="datetime-local"> is local time without an offset; the API wants ISO with one.
  if (f.from) q.set('from', new Date(f.from).toISOString());
  if (f.to) q.set('to', new Date(f.to).toISOString());
  if (cursor) q.set('cursor', String(cursor));
  return `/api/audit-logs?${q}`;
}

export function AuditLog() {
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [open, setOpen] = useState<number | null>(null);
  const log = useInfiniteQuery({
    queryKey: ['audit', filters],
    queryFn: ({ pageParam }) => api<{ items: AuditEntry[]; nextCursor: number | null }>(query(filters, pageParam)),
    initialPageParam: null as number | null,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const items = log.data?.pages.flatMap((p) => p.items) ?? [];
  const set = (k: keyof Filters) => (e: { target: { value: string } }) => setDraft({ ...draft, [k]: e.target.value });
  const apply = (e: FormEvent) => {
    e.preventDefault();
    setFilters(draft);
  };

  return (
    <Card title="Audit log">
      <form onSubmit={apply} className="mb-4 grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-6" aria-label="Audit log filters">
        <Field label="Action" hint="auth.* matches a prefix">{(p) => <Input {...p} value={draft.action} onChange={set('action')} maxLength={128} placeholder="auth.*" />}</Field>
        <Field label="Actor id">{(p) => <Input {...p} value={draft.actorId} onChange={set('actorId')} maxLength={256} />}</Field>
        <Field label="Target type">{(p) => <Input {...p} value={draft.targetType} onChange={set('targetType')} maxLength={64} placeholder="user" />}</Field>
        <Field label="Outcome">
          {(p) => (
            <Select {...p} value={draft.outcome} onChange={set('outcome')}>
              <option value="">any</option>
              <option value="success">success</option>
              <option value="failure">failure</option>
            </Select>
          )}
        </Field>
        <Field label="From">{(p) => <Input {...p} type="datetime-local" value={draft.from} onChange={set('from')} />}</Field>
        <Field label="To">{(p) => <Input {...p} type="datetime-local" value={draft.to} onChange={set('to')} />}</Field>
        <div className="flex gap-2 sm:col-span-2 lg:col-span-6">
          <Button type="submit" size="sm">Apply filters</Button>
          <Button size="sm" variant="ghost" onClick={() => { setDraft(EMPTY); setFilters(EMPTY); }}>Clear</Button>
        </div>
      </form>
      {log.isPending ? (
        <Spinner />
      ) : log.isError ? (
        <ErrorState error={log.error} onRetry={() => log.refetch()} />
      ) : items.length === 0 ? (
        <EmptyState title="No audit entries">{filters === EMPTY ? 'Nothing has been recorded yet.' : 'No entry matches these filters.'}</EmptyState>
      ) : (
        <>
          <Table label="Audit log" head={['Time', 'Action', 'Actor', 'Target', 'Outcome', 'IP']}>
            {items.map((e) => (
              <Fragment key={e.id}>
                <tr className="cursor-pointer hover:bg-zinc-50 dark:hover:bg-zinc-800/50" onClick={() => setOpen(open === e.id ? null : e.id)}>
                  <Td className="whitespace-nowrap">{formatDate(e.createdAt)}</Td>
                  <Td>
                    <button type="button" className="font-mono text-xs font-medium hover:underline" aria-expanded={open === e.id} onClick={(ev) => { ev.stopPropagation(); setOpen(open === e.id ? null : e.id); }}>
                      {e.action}
                    </button>
                  </Td>
                  <Td className="break-all">{e.actorEmail ?? e.actorId ?? e.actorType}</Td>
                  <Td className="break-all">{e.targetType ? `${e.targetType}${e.targetId ? `:${e.targetId}` : ''}` : '—'}</Td>
                  <Td><Badge tone={e.outcome === 'success' ? 'green' : 'red'}>{e.outcome}</Badge></Td>
                  <Td className="whitespace-nowrap">{e.ip ?? '—'}</Td>
                </tr>
                {open === e.id && (
                  <tr>
                    <td colSpan={6} className="bg-zinc-50 px-4 py-3 dark:bg-zinc-950">
                      <pre className="overflow-x-auto font-mono text-xs">{JSON.stringify({ actorType: e.actorType, actorId: e.actorId, metadata: e.metadata, hash: e.hash }, null, 2)}</pre>
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </Table>
          {log.hasNextPage && (
            <div className="mt-4 flex justify-center">
              <Button variant="secondary" size="sm" busy={log.isFetchingNextPage} onClick={() => log.fetchNextPage()}>Load more</Button>
            </div>
          )}
        </>
      )}
    </Card>
  );
}
