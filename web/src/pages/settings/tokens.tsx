// API tokens: the secret is shown once, right after creation.
import { useState, type FormEvent } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Plus } from 'lucide-react';
import { api } from '../../lib/api';
import { hasRole, useMe } from '../../lib/auth';
import { formatDate, formatRelative } from '../../lib/format';
import { ROLES, type ApiToken, type Role } from '../../lib/types';
import { Button } from '../../components/button';
import { ConfirmButton } from '../../components/confirm';
import { Dialog } from '../../components/dialog';
import { Badge, Card, EmptyState, ErrorState, Spinner } from '../../components/feedback';
import { Field, Input, Select } from '../../components/form';
import { SecretOnce } from '../../components/secret-once';
import { Table, Td } from '../../components/table';

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

function CreateTokenDialog({ open, onOpenChange, myRole }: { open: boolean; onOpenChange: (o: boolean) => void; myRole: Role }) {
  const qc = useQueryClient();
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>(myRole);
  const [days, setDays] = useState('90');
  const [created, setCreated] = useState<(ApiToken & { token: string }) | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const close = (o: boolean) => {
    onOpenChange(o);
    if (!o) {
      setCreated(null);
      setName('');
      setError(null);
    }
  };

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const expiresAt = days === 'never' ? undefined : new Date(Date.now() + Number(days) * 86_400_000).toISOString();
      const res = await api<ApiToken & { token: string }>('/api/tokens', { method: 'POST', body: { name: name.trim(), role, ...(expiresAt ? { expiresAt } : {}) } });
      setCreated(res);
      void qc.invalidateQueries({ queryKey: ['tokens'] });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog open={open} onOpenChange={close} title={created ? 'Token created' : 'New API token'} description={created ? undefined : 'Use it as `Authorization: Bearer …` on the API.'}>
      {created ? (
        <div className="space-y-4">
          <SecretOnce label={created.name} value={created.token} />
          <div className="flex justify-end"><Button onClick={() => close(false)}>Done</Button></div>
        </div>
      ) : (
        <form onSubmit={submit} className="space-y-4">
          {error !== null && <ErrorState error={error} />}
          <Field label="Name" hint="What uses it, e.g. “CI deploy”.">{(p) => <Input {...p} value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} />}</Field>
          <Field label="Role" hint="At most your own role.">
            {(p) => (
              <Select {...p} value={role} onChange={(e) => setRole(e.target.value as Role)}>
                {ROLES.filter((r) => RANK[r] <= RANK[myRole]).map((r) => <option key={r} value={r}>{r}</option>)}
              </Select>
            )}
          </Field>
          <Field label="Expires">
            {(p) => (
              <Select {...p} value={days} onChange={(e) => setDays(e.target.value)}>
                <option value="7">in 7 days</option>
                <option value="30">in 30 days</option>
                <option value="90">in 90 days</option>
                <option value="365">in a year</option>
                <option value="never">never</option>
              </Select>
            )}
          </Field>
          <div className="flex justify-end gap-2">
            <Button variant="secondary" onClick={() => close(false)}>Cancel</Button>
            <Button type="submit" busy={busy}>Create token</Button>
          </div>
        </form>
      )}
    </Dialog>
  );
}

export default function TokensPage() {
  const me = useMe();
  const qc = useQueryClient();
  const isAdmin = hasRole(me.data, 'admin');
  const [all, setAll] = useState(false);
  const [creating, setCreating] = useState(false);
  const tokens = useQuery({
    queryKey: ['tokens', all],
    queryFn: () => api<{ items: ApiToken[] }>(`/api/tokens?limit=200${all ? '&all=true' : ''}`),
  });
  const myRole = me.data?.principal.role ?? 'viewer';
  return (
    <Card
      title="API tokens"
      actions={
        <>
          {isAdmin && (
            <label className="flex items-center gap-1.5 text-sm">
              <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} className="size-4 accent-indigo-600" />
              Everyone’s
            </label>
          )}
          <Button size="sm" onClick={() => setCreating(true)}><Plus className="size-3.5" aria-hidden />New token</Button>
        </>
      }
    >
      <CreateTokenDialog open={creating} onOpenChange={setCreating} myRole={myRole} />
      {tokens.isPending ? (
        <Spinner />
      ) : tokens.isError ? (
        <ErrorState error={tokens.error} onRetry={() => tokens.refetch()} />
      ) : tokens.data.items.length === 0 ? (
        <EmptyState title="No API tokens" action={<Button onClick={() => setCreating(true)}>Create a token</Button>}>
          Tokens let scripts and CI call the Pilox API with a role you choose.
        </EmptyState>
      ) : (
        <Table label="API tokens" head={['Name', 'Prefix', 'Role', ...(all ? ['Owner'] : []), 'Last used', 'Expires', '']}>
          {tokens.data.items.map((t) => (
            <tr key={t.id}>
              <Td className="font-medium">{t.name}</Td>
              <Td><code className="font-mono text-xs">{t.prefix}…</code></Td>
              <Td><Badge>{t.role}</Badge></Td>
              {all && <Td>{t.ownerEmail ?? t.userId}</Td>}
              <Td className="whitespace-nowrap">{formatRelative(t.lastUsedAt)}</Td>
              <Td className="whitespace-nowrap">
                {t.expiresAt && new Date(t.expiresAt) < new Date() ? <Badge tone="red">expired</Badge> : formatDate(t.expiresAt, 'never')}
              </Td>
              <Td className="text-right">
                <ConfirmButton
                  label="Revoke"
                  title={`Revoke “${t.name}”?`}
                  description="Anything using this token stops working at once."
                  confirmLabel="Revoke"
                  onConfirm={async () => {
                    await api(`/api/tokens/${t.id}`, { method: 'DELETE' });
                    await qc.invalidateQueries({ queryKey: ['tokens'] });
                  }}
                />
              </Td>
            </tr>
          ))}
        </Table>
      )}
    </Card>
  );
}
