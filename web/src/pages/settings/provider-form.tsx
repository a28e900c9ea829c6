// Add or edit an LLM provider, and test that it answers. Used by Settings → LLM providers and by
// the setup wizard's provider step.
import { useState, type FormEvent } from 'react';
import { api } from '../../lib/api';
import type { LlmProvider, ProviderTest, ProviderType } from '../../lib/types';
import { Button } from '../../components/button';
import { Alert, ErrorState } from '../../components/feedback';
import { Field, Input, Select, Textarea } from '../../components/form';

const DEFAULT_URL: Record<ProviderType, string> = { openai: 'https://api.openai.com/v1', anthropic: 'https://api.anthropic.com' };

export function TestResult({ result }: { result: ProviderTest }) {
  return result.ok ? (
    <Alert tone="success">Connected in {result.latencyMs} ms{result.models !== undefined ? ` · ${result.models} models available` : ''}.</Alert>
  ) : (
    <Alert tone="error">
      Connection failed{result.error ? `: ${result.error.message} (${result.error.code})` : ''}.
    </Alert>
  );
}

/** A "Test connection" button with its result underneath. */
export function TestConnection({ providerId }: { providerId: string }) {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<ProviderTest | null>(null);
  const [error, setError] = useState<unknown>(null);
  return (
    <div className="space-y-2">
      <Button
        size="sm"
        variant="secondary"
        busy={busy}
        onClick={async () => {
          setBusy(true);
          setError(null);
          setResult(null);
          try {
            setResult(await api<ProviderTest>(`/api/settings/llm-providers/${providerId}/test`, { method: 'POST' }));
          } catch (err) {
            setError(err);
          } finally {
            setBusy(false);
          }
        }}
      >
        Test connection
      </Button>
      {result && <TestResult result={result} />}
      {error !== null && <ErrorState error={error} />}
    </div>
  );
}

export function ProviderForm({
  provider,
  onSaved,
  submitLabel = 'Save provider',
  extra,
  makeDefault = false,
}: {
  provider?: LlmProvider;
  onSaved: (p: LlmProvider) => void;
  submitLabel?: string;
  extra?: React.ReactNode;
  /** Start with "default provider" ticked (the wizard's first provider). */
  makeDefault?: boolean;
}) {
  const [type, setType] = useState<ProviderType>(provider?.type ?? 'openai');
  const [name, setName] = useState(provider?.name ?? 'OpenAI');
  const [baseUrl, setBaseUrl] = useState(provider?.baseUrl ?? DEFAULT_URL.openai);
  const [apiKey, setApiKey] = useState('');
  const [isDefault, setIsDefault] = useState(provider?.isDefault ?? makeDefault);
  const [models, setModels] = useState((provider?.models ?? []).map((m) => `${m.id} ${m.inputPerMillion} ${m.outputPerMillion}`).join('\n'));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [modelsError, setModelsError] = useState<string | null>(null);

  const changeType = (t: ProviderType) => {
    // Follow the type with the defaults unless the user already typed their own.
    if (baseUrl === DEFAULT_URL[type]) setBaseUrl(DEFAULT_URL[t]);
    if (name === (type === 'openai' ? 'OpenAI' : 'Anthropic')) setName(t === 'openai' ? 'OpenAI' : 'Anthropic');
    setType(t);
  };

  async function submit(e: FormEvent) {
    e.preventDefault();
    setModelsError(null);
    const parsed = [];
    for (const [i, line] of models.split('\n').entries()) {
      if (!line.trim()) continue;
      const [id, inp = '0', out = '0'] = line.trim().split(/\s+/);
      if (!id || Number.isNaN(Number(inp)) || Number.isNaN(Number(out))) {
        setModelsError(`Line ${i + 1}: “model input-price output-price”`);
        return;
      }
      parsed.push({ id, inputPerMillion: Number(inp), outputPerMillion: Number(out) });
    }
    setBusy(true);
    setError(null);
    try {
      // isDefault only when it says something: an explicit false would stop the first provider
      // from becoming the default.
      const sendDefault = provider ? isDefault !== provider.isDefault : isDefault;
      const body = { name: name.trim(), type, baseUrl: baseUrl.trim(), models: parsed, ...(sendDefault ? { isDefault } : {}), ...(apiKey ? { apiKey } : {}) };
      const saved = provider
        ? await api<LlmProvider>(`/api/settings/llm-providers/${provider.id}`, { method: 'PATCH', body })
        : await api<LlmProvider>('/api/settings/llm-providers', { method: 'POST', body });
      setApiKey('');
      onSaved(saved);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} className="space-y-4" autoComplete="off">
      {error !== null && <ErrorState error={error} />}
      <div className="grid grid-cols-1 gap-4 sm:grid-cols-2">
        <Field label="Type">
          {(p) => (
            <Select {...p} value={type} onChange={(e) => changeType(e.target.value as ProviderType)}>
              <option value="openai">OpenAI-compatible</option>
              <option value="anthropic">Anthropic</option>
            </Select>
          )}
        </Field>
        <Field label="Provider name">{(p) => <Input {...p} value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} />}</Field>
      </div>
      <Field label="Base URL" hint={type === 'openai' ? 'The URL ending in /v1 (OpenAI, vLLM, Ollama, LiteLLM…).' : 'https://api.anthropic.com'}>
        {(p) => <Input {...p} type="url" value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)} required maxLength={2048} />}
      </Field>
      <Field label="API key" hint={provider?.hasApiKey ? 'A key is stored; leave empty to keep it.' : 'Encrypted at rest, never shown again. Optional for local servers.'}>
        {(p) => <Input {...p} type="password" value={apiKey} onChange={(e) => setApiKey(e.target.value)} maxLength={4096} autoComplete="new-password" />}
      </Field>
      <Field label="Model prices" hint="One per line: model, price of 1M input tokens, of 1M output tokens (for cost accounting)." error={modelsError ?? undefined}>
        {(p) => <Textarea {...p} value={models} onChange={(e) => setModels(e.target.value)} rows={3} spellCheck={false} placeholder="gpt-4o-mini 0.15 0.6" className="font-mono" />}
      </Field>
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" checked={isDefault} onChange={(e) => setIsDefault(e.target.checked)} className="size-4 accent-indigo-600" />
        Default provider (used by managed agents that name none; the first provider is the default anyway)
      </label>
      <div className="flex flex-wrap justify-end gap-2">
        {extra}
        <Button type="submit" busy={busy}>{submitLabel}</Button>
      </div>
    </form>
  );
}
