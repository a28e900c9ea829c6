// Secrets: values are write-only; the list shows metadata and when the value last changed.
import { useState, type FormEvent } from 'react';
import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import { KeyRound, Plus } from 'lucide-react';
import { api } from '../../lib/api';
import { formatDate } from '../../lib/format';
import type { Secret } from '../../lib/types';
import { Button } from '../../components/button';
import { ConfirmButton } from '../../components/confirm';
import { Dialog } from '../../components/dialog';
import { Badge, Card, EmptyState, ErrorState, Spinner } from '../../components/feedback';
import { Field, Input, Textarea } from '../../components/form';
import { Table, Td } from '../../components/table';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Create (no `secret`) or edit one: the value field left empty keeps the stored value. */
function SecretDialog({ secret, open, onOpenChange }: { secret?: Secret; open: boolean; onOpenChange: (o: boolean) => void }) {
  const qc = useQueryClient();
  const [name, setName] = useState(secret?.name ?? '');
  const [value, setValue] = useState('');
  const [description, setDescription] = useState(secret?.description ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const badName = name !== '' && !NAME.test(name);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (badName) return;
    setBusy(true);
    setError(null);
    try {
      if (secret) {
        const body: Record<string, unknown> = {};
        if (name !== secret.name) body.name = name;
        if ((description || null) !== secret.description) body.description = description || null;
        if (value !== '') body.value = value;
        if (Object.keys(body).length > 0) await api(`/api/secrets/${secret.id}`, { method: 'PATCH', body });
      } else {
        await api('/api/secrets', { method: 'POST', body: { name, value, ...(description ? { description } : {}) } });
        setName('');
        setDescription('');
      }
      setValue('');
      await qc.invalidateQueries({ queryKey: ['secrets'] });
      onOpenChange(false);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog open={open} onOpenChange={(o) => { setError(null); onOpenChange(o); }} title={secret ? `Edit ${secret.name}` : 'New secret'} description="Values are encrypted at rest and never shown again.">
      <form onSubmit={submit} className="space-y-4" autoComplete="off">
        {error !== null && <ErrorState error={error} />}
        <Field label="Name" hint="Letters, digits and _, not starting with a digit." error={badName ? 'Letters, digits and _ only, not starting with a digit' : undefined}>
          {(p) => <Input {...p} value={name} onChange={(e) => setName(e.target.value)} required maxLength={128} spellCheck={false} className="font-mono" />}
        </Field>
        <Field label={secret ? 'New value' : 'Value'} hint={secret ? 'Leave empty to keep the current value.' : undefined}>
          {(p) => <Textarea {...p} value={value} onChange={(e) => setValue(e.target.value)} required={!secret} rows={3} spellCheck={false} className="font-mono [-webkit-text-security:disc]" />}
        </Field>
        <Field label="Description">{(p) => <Input {...p} value={description} onChange={(e) => setDescription(e.target.value)} maxLength={500} />}</Field>
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={() => onOpenChange(false)}>Cancel</Button>
          <Button type="submit" busy={busy}>{secret ? 'Save' : 'Store secret'}</Button>
        </div>
      </form>
    </Dialog>
  );
}

export default function SecretsPage() {
  const qc = useQueryClient();
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<Secret | null>(null);
  const secrets = useInfiniteQuery({
    queryKey: ['secrets'],
    queryFn: ({ pageParam }) => api<{ items: Secret[]; nextCursor: string | null }>(`/api/secrets?limit=50${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ''}`),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const items = secrets.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Card title="Secrets" actions={<Button size="sm" onClick={() => setCreating(true)}><Plus className="size-3.5" aria-hidden />New secret</Button>}>
      <SecretDialog open={creating} onOpenChange={setCreating} />
      {editing && <SecretDialog key={editing.id} secret={editing} open onOpenChange={(o) => !o && setEditing(null)} />}
      {secrets.isPending ? (
        <Spinner />
      ) : secrets.isError ? (
        <ErrorState error={secrets.error} onRetry={() => secrets.refetch()} />
      ) : items.length === 0 ? (
        <EmptyState title="No secrets" action={<Button onClick={() => setCreating(true)}>Store a secret</Button>}>
          API keys and passwords your agents use, encrypted at rest. Values can be replaced but never read back.
        </EmptyState>
      ) : (
        <>
          <Table label="Secrets" head={['Name', 'Description', 'Scope', 'Value changed', '']}>
            {items.map((s) => (
              <tr key={s.id}>
                <Td><span className="flex items-center gap-1.5 font-mono text-xs font-medium"><KeyRound className="size-3.5 text-zinc-400" aria-hidden />{s.name}</span></Td>
                <Td className="text-zinc-600 dark:text-zinc-400">{s.description ?? '—'}</Td>
                <Td>{s.agentId ? <Badge tone="blue">one agent</Badge> : <Badge>all your agents</Badge>}</Td>
                <Td className="whitespace-nowrap">{formatDate(s.valueUpdatedAt)}</Td>
                <Td className="whitespace-nowrap text-right">
                  <div className="flex justify-end gap-2">
                    <Button size="sm" variant="secondary" onClick={() => setEditing(s)}>Edit</Button>
                    <ConfirmButton
                      label="Delete"
                      title={`Delete ${s.name}?`}
                      description="Agents that use it will no longer receive it."
                      confirmLabel="Delete secret"
                      onConfirm={async () => {
                        await api(`/api/secrets/${s.id}`, { method: 'DELETE' });
                        await qc.invalidateQueries({ queryKey: ['secrets'] });
                      }}
                    />
                  </div>
                </Td>
              </tr>
            ))}
          </Table>
          {secrets.hasNextPage && (
            <div className="mt-4 flex justify-center">
              <Button variant="secondary" size="sm" busy={secrets.isFetchingNextPage} onClick={() => secrets.fetchNextPage()}>Load more</Button>
            </div>
          )}
        </>
      )}
    </Card>
  );
}
