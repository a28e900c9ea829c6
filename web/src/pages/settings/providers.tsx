// LLM providers (admin): keys are write-only; each provider can be tested in place.
import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Plus } from 'lucide-react';
import { api } from '../../lib/api';
import type { LlmProvider } from '../../lib/types';
import { Button } from '../../components/button';
import { ConfirmButton } from '../../components/confirm';
import { Dialog } from '../../components/dialog';
import { Badge, Card, EmptyState, ErrorState, Spinner } from '../../components/feedback';
import { ProviderForm, TestConnection } from './provider-form';

export const PROVIDERS_KEY = ['llm-providers'];

export default function ProvidersPage() {
  const qc = useQueryClient();
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<LlmProvider | null>(null);
  const providers = useQuery({ queryKey: PROVIDERS_KEY, queryFn: () => api<{ items: LlmProvider[] }>('/api/settings/llm-providers') });
  const saved = () => {
    setAdding(false);
    setEditing(null);
    void qc.invalidateQueries({ queryKey: PROVIDERS_KEY });
  };
  return (
    <Card title="LLM providers" actions={<Button size="sm" onClick={() => setAdding(true)}><Plus className="size-3.5" aria-hidden />Add provider</Button>}>
      <Dialog open={adding} onOpenChange={setAdding} title="Add an LLM provider">
        <ProviderForm onSaved={saved} submitLabel="Add provider" />
      </Dialog>
      {editing && (
        <Dialog open onOpenChange={(o) => !o && setEditing(null)} title={`Edit ${editing.name}`}>
          <ProviderForm provider={editing} onSaved={saved} />
        </Dialog>
      )}
      {providers.isPending ? (
        <Spinner />
      ) : providers.isError ? (
        <ErrorState error={providers.error} onRetry={() => providers.refetch()} />
      ) : providers.data.items.length === 0 ? (
        <EmptyState title="No LLM provider" action={<Button onClick={() => setAdding(true)}>Add a provider</Button>}>
          Managed agents call models through a provider: OpenAI or any OpenAI-compatible server, or Anthropic.
        </EmptyState>
      ) : (
        <ul className="divide-y divide-zinc-100 dark:divide-zinc-800">
          {providers.data.items.map((p) => (
            <li key={p.id} className="flex flex-wrap items-start justify-between gap-4 py-4 first:pt-0 last:pb-0">
              <div className="min-w-0 space-y-1">
                <p className="flex flex-wrap items-center gap-2 font-medium">
                  {p.name}
                  <Badge>{p.type === 'openai' ? 'OpenAI-compatible' : 'Anthropic'}</Badge>
                  {p.isDefault && <Badge tone="blue">default</Badge>}
                  {!p.hasApiKey && <Badge tone="amber">no key</Badge>}
                </p>
                <p className="break-all font-mono text-xs text-zinc-500 dark:text-zinc-400">{p.baseUrl}</p>
                {p.models.length > 0 && <p className="text-xs text-zinc-500 dark:text-zinc-400">Priced models: {p.models.map((m) => m.id).join(', ')}</p>}
                <TestConnection providerId={p.id} />
              </div>
              <div className="flex gap-2">
                <Button size="sm" variant="secondary" onClick={() => setEditing(p)}>Edit</Button>
                <ConfirmButton
                  label="Delete"
                  title={`Delete ${p.name}?`}
                  description="Managed agents that use it stop getting answers until they are given another provider."
                  confirmLabel="Delete provider"
                  onConfirm={async () => {
                    await api(`/api/settings/llm-providers/${p.id}`, { method: 'DELETE' });
                    await qc.invalidateQueries({ queryKey: PROVIDERS_KEY });
                  }}
                />
              </div>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
