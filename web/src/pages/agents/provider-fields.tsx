// Provider and model of a managed agent. Admins pick among the instance's providers and get the
// provider's model list as suggestions; others (who may not list providers) type the model and
// get the default provider.
import { useQuery } from '@tanstack/react-query';
import { useId } from 'react';
import { api } from '../../lib/api';
import { hasRole, useMe } from '../../lib/auth';
import type { LlmProvider } from '../../lib/types';
import { Field, Input, Select } from '../../components/form';

export function ProviderModelFields({ providerId, model, onProvider, onModel }: { providerId: string; model: string; onProvider: (id: string) => void; onModel: (m: string) => void }) {
  const me = useMe();
  const isAdmin = hasRole(me.data, 'admin');
  const listId = useId();
  const providers = useQuery({
    queryKey: ['llm-providers'],
    queryFn: () => api<{ items: LlmProvider[] }>('/api/settings/llm-providers'),
    enabled: isAdmin,
  });
  const chosen = providerId || providers.data?.items.find((p) => p.isDefault)?.id || '';
  const models = useQuery({
    queryKey: ['llm-providers', chosen, 'models'],
    queryFn: () => api<{ items: string[] }>(`/api/settings/llm-providers/${chosen}/models`),
    enabled: isAdmin && chosen !== '',
    retry: false,
    staleTime: 300_000,
  });
  const suggestions = [...new Set([...(providers.data?.items.find((p) => p.id === chosen)?.models.map((m) => m.id) ?? []), ...(models.data?.items ?? [])])];
  return (
    <>
      {isAdmin && (
        <Field label="Provider" hint={providers.isError ? 'Could not list providers; the default one is used.' : providers.data?.items.length === 0 ? 'No provider yet: add one in Settings → LLM providers.' : undefined}>
          {(p) => (
            <Select {...p} value={providerId} onChange={(e) => onProvider(e.target.value)}>
              <option value="">default provider</option>
              {providers.data?.items.map((pr) => (
                <option key={pr.id} value={pr.id}>{pr.name}{pr.isDefault ? ' (default)' : ''}</option>
              ))}
            </Select>
          )}
        </Field>
      )}
      <Field label="Model" hint={models.isError ? 'The provider did not list its models; type the model id.' : isAdmin ? undefined : "Served by the instance's default LLM provider."}>
        {(p) => <Input {...p} list={listId} value={model} onChange={(e) => onModel(e.target.value)} required maxLength={200} placeholder="gpt-4o-mini" />}
      </Field>
      <datalist id={listId}>
        {suggestions.map((m) => <option key={m} value={m} />)}
      </datalist>
    </>
  );
}
