// Billing administration (admins): every wallet with its limits, a per-user limit editor, and the
// Stripe events that moved money but matched no user (assign to a user once, or dismiss).
import { useState, type FormEvent } from 'react';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../lib/api';
import { formatDate } from '../../lib/format';
import type { User } from '../../lib/types';
import { digits, money } from '../billing';
import { Button } from '../../components/button';
import { ConfirmButton } from '../../components/confirm';
import { Badge, Card, EmptyState, ErrorState, PageHeader, Spinner } from '../../components/feedback';
import { Field, Input, Select } from '../../components/form';
import { Table, Td } from '../../components/table';

const PAGE = 20;

interface Balance {
  userId: string;
  email: string | null;
  balanceMinor: number;
  currency: string;
  monthlySpendLimitMinor: number | null;
  hardStop: boolean;
  updatedAt: string;
}
interface Unresolved {
  stripeEventId: string;
  eventType: string;
  reason: string;
  direction: 'credit' | 'debit';
  amountMinor: number;
  currency: string;
  customerId: string | null;
  status: string;
  assignedUserId: string | null;
  resolvedBy: string | null;
  resolvedAt: string | null;
  createdAt: string;
}
interface Paged<T> { items: T[]; total: number }

function Pager({ offset, count, total, onChange }: { offset: number; count: number; total: number; onChange: (o: number) => void }) {
  return (
    <div className="mt-4 flex items-center justify-between text-sm text-zinc-500 dark:text-zinc-400">
      <span>{offset + 1}–{offset + count} of {total}</span>
      <div className="flex gap-2">
        <Button size="sm" variant="secondary" disabled={offset === 0} onClick={() => onChange(Math.max(0, offset - PAGE))}>Previous</Button>
        <Button size="sm" variant="secondary" disabled={offset + PAGE >= total} onClick={() => onChange(offset + PAGE)}>Next</Button>
      </div>
    </div>
  );
}

/** Limits of one user, edited in the major unit of the wallet's currency (cents in the API). */
function LimitsForm({ b, onDone }: { b: Balance; onDone: () => void }) {
  const qc = useQueryClient();
  const [limit, setLimit] = useState(b.monthlySpendLimitMinor === null ? '' : String(b.monthlySpendLimitMinor / 10 ** digits(b.currency)));
  const [hardStop, setHardStop] = useState(b.hardStop);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api(`/api/billing/admin/users/${b.userId}/limits`, {
        method: 'PUT',
        body: { monthlySpendLimitMinor: limit.trim() === '' ? null : Math.round(Number(limit) * 10 ** digits(b.currency)), hardStop },
      });
      await qc.invalidateQueries({ queryKey: ['billing-admin', 'balances'] });
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} className="flex flex-wrap items-end gap-3" aria-label={`Limits of ${b.email ?? b.userId}`}>
      <div className="w-40">
        <Field label={`Monthly limit (${b.currency.toUpperCase()})`} hint="Empty: no limit.">
          {(p) => <Input {...p} type="number" min={0} step={1 / 10 ** digits(b.currency)} value={limit} onChange={(e) => setLimit(e.target.value)} />}
        </Field>
      </div>
      <label className="flex h-9 items-center gap-2 text-sm">
        <input type="checkbox" checked={hardStop} onChange={(e) => setHardStop(e.target.checked)} className="size-4 accent-indigo-600" />
        Hard stop
      </label>
      <Button type="submit" size="sm" busy={busy}>Save</Button>
      <Button size="sm" variant="secondary" onClick={onDone}>Cancel</Button>
      {error !== null && <div className="w-full"><ErrorState error={error} /></div>}
    </form>
  );
}

function Balances() {
  const [offset, setOffset] = useState(0);
  const [editing, setEditing] = useState<string | null>(null);
  const q = useQuery({
    queryKey: ['billing-admin', 'balances', offset],
    queryFn: () => api<Paged<Balance>>(`/api/billing/admin/balances?limit=${PAGE}&offset=${offset}`),
    placeholderData: keepPreviousData,
  });
  return (
    <Card title="Balances">
      {q.isPending ? (
        <Spinner />
      ) : q.isError ? (
        <ErrorState error={q.error} onRetry={() => q.refetch()} />
      ) : q.data.items.length === 0 ? (
        <EmptyState title="No wallets yet">A wallet appears with a user's first top-up or model call.</EmptyState>
      ) : (
        <>
          <Table label="Balances" head={['User', 'Balance', 'Monthly limit', 'Hard stop', 'Updated', '']}>
            {q.data.items.map((b) =>
              editing === b.userId ? (
                <tr key={b.userId}>
                  <td colSpan={6} className="px-4 py-3">
                    <p className="mb-2 text-sm font-medium">{b.email ?? b.userId}</p>
                    <LimitsForm b={b} onDone={() => setEditing(null)} />
                  </td>
                </tr>
              ) : (
                <tr key={b.userId}>
                  <Td className="whitespace-nowrap">{b.email ?? <span className="font-mono text-xs">{b.userId}</span>}</Td>
                  <Td className="whitespace-nowrap text-right font-medium">{money(b.balanceMinor, b.currency)}</Td>
                  <Td className="whitespace-nowrap">{b.monthlySpendLimitMinor === null ? 'none' : money(b.monthlySpendLimitMinor, b.currency)}</Td>
                  <Td>{b.hardStop ? <Badge tone="amber">on</Badge> : <Badge>off</Badge>}</Td>
                  <Td className="whitespace-nowrap">{formatDate(b.updatedAt)}</Td>
                  <Td><Button size="sm" variant="secondary" onClick={() => setEditing(b.userId)}>Edit limits</Button></Td>
                </tr>
              ),
            )}
          </Table>
          <Pager offset={offset} count={q.data.items.length} total={q.data.total} onChange={setOffset} />
        </>
      )}
    </Card>
  );
}

function AssignForm({ ev, users }: { ev: Unresolved; users: User[] }) {
  const qc = useQueryClient();
  const [userId, setUserId] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api(`/api/billing/admin/unresolved-events/${encodeURIComponent(ev.stripeEventId)}/assign`, { method: 'POST', body: { userId } });
      await qc.invalidateQueries({ queryKey: ['billing-admin'] });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} className="flex flex-wrap items-center gap-2">
      <Select aria-label={`User for ${ev.stripeEventId}`} value={userId} onChange={(e) => setUserId(e.target.value)} required className="w-48">
        <option value="">Choose a user…</option>
        {users.map((u) => <option key={u.id} value={u.id}>{u.email}</option>)}
      </Select>
      <Button type="submit" size="sm" busy={busy} disabled={!userId}>Assign</Button>
      <ConfirmButton
        label="Dismiss"
        title="Dismiss this event?"
        description="It is closed without crediting or debiting anyone."
        confirmLabel="Dismiss"
        variant="secondary"
        onConfirm={async () => {
          await api(`/api/billing/admin/unresolved-events/${encodeURIComponent(ev.stripeEventId)}/dismiss`, { method: 'POST', body: {} });
          await qc.invalidateQueries({ queryKey: ['billing-admin', 'unresolved'] });
        }}
      />
      {error !== null && <div className="w-full"><ErrorState error={error} /></div>}
    </form>
  );
}

function UnresolvedEvents() {
  const [status, setStatus] = useState<'open' | 'assigned' | 'dismissed' | ''>('open');
  const [offset, setOffset] = useState(0);
  const q = useQuery({
    queryKey: ['billing-admin', 'unresolved', status, offset],
    queryFn: () => api<Paged<Unresolved>>(`/api/billing/admin/unresolved-events?limit=${PAGE}&offset=${offset}${status ? `&status=${status}` : ''}`),
    placeholderData: keepPreviousData,
  });
  // The assign list: the first 100 accounts is enough for a self-hosted instance's picker.
  const users = useQuery({ queryKey: ['users', 'picker'], queryFn: () => api<Paged<User>>('/api/users?limit=100&offset=0') });
  const emails = new Map((users.data?.items ?? []).map((u) => [u.id, u.email]));
  // resolvedBy is an actor string (a user id, possibly prefixed): show the email when we know it.
  const who = (actor: string) => emails.get(actor) ?? emails.get(actor.replace(/^user:/, '')) ?? actor;
  return (
    <Card
      title="Unresolved Stripe events"
      actions={
        <Select aria-label="Status" value={status} onChange={(e) => { setStatus(e.target.value as typeof status); setOffset(0); }} className="w-36">
          <option value="open">open</option>
          <option value="assigned">assigned</option>
          <option value="dismissed">dismissed</option>
          <option value="">all</option>
        </Select>
      }
    >
      {users.isError && <ErrorState error={users.error} onRetry={() => users.refetch()} />}
      {q.isPending ? (
        <Spinner />
      ) : q.isError ? (
        <ErrorState error={q.error} onRetry={() => q.refetch()} />
      ) : q.data.items.length === 0 ? (
        <EmptyState title={status ? `No ${status} events` : 'No events'}>Payments Stripe reports for an unknown customer (or another currency) wait here.</EmptyState>
      ) : (
        <>
          <Table label="Unresolved Stripe events" head={['Received', 'Event', 'Reason', 'Amount', 'Customer', 'Status', '']}>
            {q.data.items.map((ev) => (
              <tr key={ev.stripeEventId}>
                <Td className="whitespace-nowrap">{formatDate(ev.createdAt)}</Td>
                <Td><span className="block font-mono text-xs">{ev.stripeEventId}</span><span className="text-xs text-zinc-500 dark:text-zinc-400">{ev.eventType}</span></Td>
                <Td>{ev.reason}</Td>
                <Td className="whitespace-nowrap text-right font-medium">{ev.direction === 'credit' ? '+' : '−'}{money(ev.amountMinor, ev.currency)}</Td>
                <Td className="font-mono text-xs">{ev.customerId ?? '—'}</Td>
                <Td><Badge tone={ev.status === 'open' ? 'amber' : ev.status === 'assigned' ? 'green' : 'neutral'}>{ev.status}</Badge></Td>
                <Td>
                  {ev.status === 'open' ? (
                    <AssignForm ev={ev} users={users.data?.items ?? []} />
                  ) : (
                    <span className="block min-w-40 text-xs text-zinc-500 dark:text-zinc-400">
                      {ev.assignedUserId && <span className="block">to {who(ev.assignedUserId)}</span>}
                      {ev.resolvedBy && <span className="block">by {who(ev.resolvedBy)}</span>}
                      {formatDate(ev.resolvedAt, '')}
                    </span>
                  )}
                </Td>
              </tr>
            ))}
          </Table>
          <Pager offset={offset} count={q.data.items.length} total={q.data.total} onChange={setOffset} />
        </>
      )}
    </Card>
  );
}

export default function BillingAdminPage() {
  return (
    <div className="space-y-6">
      <PageHeader title="Billing administration" description="Every wallet, per-user spending limits, and Stripe payments that matched no user." />
      <Balances />
      <UnresolvedEvents />
    </div>
  );
}
