// Billing: wallet balance, top-up (Stripe Checkout) and Customer Portal when enabled, spending
// limit, and the ledger with pagination. Amounts are in minor units (cents) in the API.
import { useEffect, useState, type FormEvent } from 'react';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { ExternalLink } from 'lucide-react';
import { api } from '../lib/api';
import { formatDate } from '../lib/format';
import type { BillingLimits, LedgerItem, Wallet } from '../lib/types';
import { Button } from '../components/button';
import { Alert, Badge, Card, EmptyState, ErrorState, PageHeader, Spinner } from '../components/feedback';
import { Field, Input } from '../components/form';
import { Table, Td } from '../components/table';

const PAGE = 20;

export function digits(currency: string): number {
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

export function money(minor: number, currency: string): string {
  const d = digits(currency);
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(minor / 10 ** d);
  } catch {
    return `${(minor / 10 ** d).toFixed(d)} ${currency}`;
  }
}

function WalletCard({ wallet }: { wallet: Wallet }) {
  const [amount, setAmount] = useState('20');
  const [busy, setBusy] = useState<'checkout' | 'portal' | null>(null);
  const [error, setError] = useState<unknown>(null);
  const d = digits(wallet.currency);
  const go = async (kind: 'checkout' | 'portal', fn: () => Promise<{ url: string }>) => {
    setBusy(kind);
    setError(null);
    try {
      const { url } = await fn();
      window.location.assign(url);
    } catch (err) {
      setError(err);
      setBusy(null);
    }
  };
  const topUp = (e: FormEvent) => {
    e.preventDefault();
    void go('checkout', () =>
      api('/api/billing/stripe/checkout-session', { method: 'POST', body: { mode: 'payment', amountMinor: Math.round(Number(amount) * 10 ** d), currency: wallet.currency.toLowerCase() } }),
    );
  };
  return (
    <Card title="Wallet">
      <div className="space-y-4">
        <div>
          <p className="text-3xl font-semibold tracking-tight" data-testid="wallet-balance">{money(wallet.balanceMinor, wallet.currency)}</p>
          <p className="mt-1 text-xs text-zinc-500 dark:text-zinc-400">
            {wallet.billingUsageMinorPer1kTokens > 0 && `Model usage costs ${money(wallet.billingUsageMinorPer1kTokens, wallet.currency)} per 1,000 tokens · `}
            updated {formatDate(wallet.updatedAt, 'never')}
          </p>
        </div>
        {error !== null && <ErrorState error={error} />}
        {wallet.stripe.checkoutEnabled ? (
          <form onSubmit={topUp} className="flex flex-wrap items-end gap-2">
            <div className="w-36">
              <Field label={`Top up (${wallet.currency.toUpperCase()})`}>
                {(p) => <Input {...p} type="number" min={1} step={1 / 10 ** d} value={amount} onChange={(e) => setAmount(e.target.value)} required />}
              </Field>
            </div>
            <Button type="submit" busy={busy === 'checkout'}>
              <ExternalLink className="size-3.5" aria-hidden />Pay with Stripe
            </Button>
            {wallet.stripe.subscriptionCheckoutEnabled && (
              <Button variant="secondary" busy={busy === 'checkout'} onClick={() => go('checkout', () => api('/api/billing/stripe/checkout-session', { method: 'POST', body: { mode: 'subscription' } }))}>
                Subscribe
              </Button>
            )}
          </form>
        ) : (
          <p className="text-sm text-zinc-500 dark:text-zinc-400">Online payment is not enabled on this instance; an administrator can credit your wallet.</p>
        )}
        {wallet.stripe.customerPortalEnabled && (
          <Button variant="secondary" busy={busy === 'portal'} onClick={() => go('portal', () => api('/api/billing/stripe/customer-portal', { method: 'POST', body: {} }))}>
            <ExternalLink className="size-3.5" aria-hidden />Manage billing (Stripe)
          </Button>
        )}
      </div>
    </Card>
  );
}

function LimitsCard({ currency }: { currency: string }) {
  const qc = useQueryClient();
  const limits = useQuery({ queryKey: ['billing', 'limits'], queryFn: () => api<BillingLimits>('/api/billing/limits') });
  const d = digits(currency);
  const [limit, setLimit] = useState('');
  const [hardStop, setHardStop] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (!limits.data) return;
    setLimit(limits.data.monthlySpendLimitMinor === null ? '' : String(limits.data.monthlySpendLimitMinor / 10 ** d));
    setHardStop(limits.data.hardStop);
  }, [limits.data, d]);
  if (limits.isPending) return <Card title="Spending limit"><Spinner /></Card>;
  if (limits.isError) return <Card title="Spending limit"><ErrorState error={limits.error} onRetry={() => limits.refetch()} /></Card>;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      const next = await api<BillingLimits>('/api/billing/limits', {
        method: 'PUT',
        body: { monthlySpendLimitMinor: limit.trim() === '' ? null : Math.round(Number(limit) * 10 ** d), hardStop },
      });
      qc.setQueryData(['billing', 'limits'], next);
      setSaved(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title="Spending limit">
      <form onSubmit={submit} className="space-y-4">
        <p className="text-sm">
          Spent this month: <strong>{money(limits.data.spentThisMonthMinor, currency)}</strong>
          <span className="text-zinc-500 dark:text-zinc-400"> (since {formatDate(limits.data.periodStart)})</span>
        </p>
        {error !== null && <ErrorState error={error} />}
        {saved && <Alert tone="success">Saved.</Alert>}
        <div className="max-w-48">
          <Field label={`Monthly limit (${currency.toUpperCase()})`} hint="Empty: no limit.">
            {(p) => <Input {...p} type="number" min={0} step={1 / 10 ** d} value={limit} onChange={(e) => setLimit(e.target.value)} />}
          </Field>
        </div>
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" checked={hardStop} onChange={(e) => setHardStop(e.target.checked)} className="size-4 accent-indigo-600" />
          Hard stop: refuse model calls while the wallet is empty
        </label>
        <Button type="submit" busy={busy}>Save limit</Button>
      </form>
    </Card>
  );
}

function Ledger() {
  const [offset, setOffset] = useState(0);
  const ledger = useQuery({
    queryKey: ['billing', 'ledger', offset],
    queryFn: () => api<{ items: LedgerItem[]; total: number }>(`/api/billing/ledger?limit=${PAGE}&offset=${offset}`),
    placeholderData: keepPreviousData,
  });
  return (
    <Card title="Ledger">
      {ledger.isPending ? (
        <Spinner />
      ) : ledger.isError ? (
        <ErrorState error={ledger.error} onRetry={() => ledger.refetch()} />
      ) : ledger.data.items.length === 0 ? (
        <EmptyState title="No movements yet">Top-ups and model usage appear here.</EmptyState>
      ) : (
        <>
          <Table label="Ledger" head={['Date', 'Description', 'Kind', 'Amount', 'Balance']}>
            {ledger.data.items.map((i) => (
              <tr key={i.id}>
                <Td className="whitespace-nowrap">{formatDate(i.createdAt)}</Td>
                <Td>{i.description}</Td>
                <Td><Badge tone={i.direction === 'credit' ? 'green' : 'neutral'}>{i.kind}</Badge></Td>
                <Td className={`whitespace-nowrap text-right font-medium ${i.direction === 'credit' ? 'text-emerald-700 dark:text-emerald-400' : ''}`}>
                  {i.direction === 'credit' ? '+' : '−'}{money(i.amountMinor, i.currency)}
                </Td>
                <Td className="whitespace-nowrap text-right">{money(i.balanceAfterMinor, i.currency)}</Td>
              </tr>
            ))}
          </Table>
          <div className="mt-4 flex items-center justify-between text-sm text-zinc-500 dark:text-zinc-400">
            <span>{offset + 1}–{offset + ledger.data.items.length} of {ledger.data.total}</span>
            <div className="flex gap-2">
              <Button size="sm" variant="secondary" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>Previous</Button>
              <Button size="sm" variant="secondary" disabled={offset + PAGE >= ledger.data.total} onClick={() => setOffset(offset + PAGE)}>Next</Button>
            </div>
          </div>
        </>
      )}
    </Card>
  );
}

export default function BillingPage() {
  const wallet = useQuery({ queryKey: ['billing', 'wallet'], queryFn: () => api<Wallet>('/api/billing/wallet') });
  const [params] = useSearchParams();
  const checkout = params.get('checkout');
  return (
    <div className="space-y-6">
      <PageHeader title="Billing" description="Your wallet pays for your agents' model usage." />
      {checkout === 'success' && <Alert tone="success">Payment received: your balance updates as soon as Stripe confirms it.</Alert>}
      {checkout === 'cancelled' && <Alert tone="warning">Checkout cancelled: nothing was charged.</Alert>}
      {wallet.isPending ? (
        <Spinner />
      ) : wallet.isError ? (
        <ErrorState error={wallet.error} onRetry={() => wallet.refetch()} />
      ) : (
        <div className="grid grid-cols-1 items-start gap-6 lg:grid-cols-2">
          <WalletCard wallet={wallet.data} />
          <LimitsCard currency={wallet.data.currency} />
        </div>
      )}
      <Ledger />
    </div>
  );
}
