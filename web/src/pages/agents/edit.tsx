// Edit an agent (operators): PATCH /api/agents/:id with only the fields that changed. Changes
// take effect at the agent's next start. The managed config is sent whole (the API replaces it),
// so fields this form does not show (skills, budget, limits) are carried over unchanged.
import { useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { api } from '../../lib/api';
import type { Agent, RestartPolicy, Visibility } from '../../lib/types';
import { Button } from '../../components/button';
import { Alert, ErrorState } from '../../components/feedback';
import { Field, Input, Select, Textarea } from '../../components/form';
import { AGENTS_KEY, agentKey } from './common';

const envText = (env: Record<string, string>) => Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n');

function parseEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const eq = line.indexOf('=');
    if (eq < 1) throw new Error(`Environment line "${line.slice(0, 40)}" is not NAME=value`);
    out[line.slice(0, eq).trim()] = line.slice(eq + 1);
  }
  return out;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function AgentEditForm({ agent }: { agent: Agent }) {
  const qc = useQueryClient();
  const m = agent.managed;
  const [f, setF] = useState({
    name: agent.name,
    description: agent.description,
    visibility: agent.visibility,
    restartPolicy: agent.restartPolicy,
    memoryMb: String(agent.limits.memoryMb),
    cpuShares: String(agent.limits.cpuShares),
    pids: String(agent.limits.pids),
    env: envText(agent.env),
    secretRefs: agent.secretRefs.join(', '),
    model: m?.model ?? '',
    systemPrompt: m?.systemPrompt ?? '',
    temperature: m?.temperature === undefined ? '' : String(m.temperature),
    tools: JSON.stringify(m?.tools ?? [], null, 2),
  });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });
  const runs = agent.kind !== 'remote';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setSaved(false);
    const body: Record<string, unknown> = {};
    try {
      if (f.name !== agent.name) body.name = f.name;
      if (f.description !== agent.description) body.description = f.description;
      if (f.visibility !== agent.visibility) body.visibility = f.visibility;
      if (runs) {
        if (f.restartPolicy !== agent.restartPolicy) body.restartPolicy = f.restartPolicy;
        const limits = { memoryMb: Number(f.memoryMb), cpuShares: Number(f.cpuShares), pids: Number(f.pids) };
        if (!same(limits, agent.limits)) body.limits = limits;
        const env = parseEnv(f.env);
        if (!same(env, agent.env)) body.env = env;
        const refs = f.secretRefs.split(',').map((s) => s.trim()).filter(Boolean);
        if (!same(refs, agent.secretRefs)) body.secretRefs = refs;
      }
      if (m) {
        let tools: unknown;
        try {
          tools = JSON.parse(f.tools || '[]');
        } catch {
          throw new Error('Tools must be a JSON array of { "name", "url" } objects');
        }
        const next = { ...m, model: f.model, systemPrompt: f.systemPrompt, tools, temperature: f.temperature.trim() === '' ? undefined : Number(f.temperature) };
        if (next.temperature === undefined) delete next.temperature;
        if (!same(next, m)) body.managed = next;
      }
    } catch (err) {
      setError(err);
      return;
    }
    if (Object.keys(body).length === 0) {
      setSaved(true);
      return;
    }
    setBusy(true);
    try {
      const updated = await api<Agent>(`/api/agents/${agent.id}`, { method: 'PATCH', body });
      qc.setQueryData(agentKey(agent.id), updated);
      await qc.invalidateQueries({ queryKey: AGENTS_KEY });
      setSaved(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} className="max-w-2xl space-y-4" aria-label="Edit agent">
      <p className="text-sm text-zinc-500 dark:text-zinc-400">Changes take effect at the agent's next start.</p>
      <div className="grid grid-cols-1 gap-4 sm:grid-cols-2">
        <Field label="Name">{(p) => <Input {...p} value={f.name} onChange={set('name')} required maxLength={200} />}</Field>
        <Field label="Visibility">
          {(p) => (
            <Select {...p} value={f.visibility} onChange={(e) => setF({ ...f, visibility: e.target.value as Visibility })}>
              <option value="private">private</option>
              <option value="instance">instance</option>
              <option value="public">public</option>
            </Select>
          )}
        </Field>
      </div>
      <Field label="Description">{(p) => <Textarea {...p} rows={2} value={f.description} onChange={set('description')} maxLength={2000} />}</Field>
      {m && (
        <fieldset className="space-y-4 rounded-lg border border-zinc-200 p-4 dark:border-zinc-800">
          <legend className="px-1 text-sm font-semibold">Model</legend>
          <div className="grid grid-cols-1 gap-4 sm:grid-cols-2">
            <Field label="Model">{(p) => <Input {...p} value={f.model} onChange={set('model')} required maxLength={200} />}</Field>
            <Field label="Temperature" hint="0–2; empty: the provider's default.">
              {(p) => <Input {...p} type="number" min={0} max={2} step={0.1} value={f.temperature} onChange={set('temperature')} />}
            </Field>
          </div>
          <Field label="System prompt">{(p) => <Textarea {...p} rows={5} value={f.systemPrompt} onChange={set('systemPrompt')} maxLength={32_000} />}</Field>
          <Field label="Tools (MCP servers, JSON)" hint='[{ "name": "search", "url": "https://…" }]'>
            {(p) => <Textarea {...p} rows={4} className="font-mono text-xs" value={f.tools} onChange={set('tools')} />}
          </Field>
        </fieldset>
      )}
      {runs && (
        <fieldset className="space-y-4 rounded-lg border border-zinc-200 p-4 dark:border-zinc-800">
          <legend className="px-1 text-sm font-semibold">Runtime</legend>
          <div className="grid grid-cols-1 gap-4 sm:grid-cols-4">
            <Field label="Restart policy">
              {(p) => (
                <Select {...p} value={f.restartPolicy} onChange={(e) => setF({ ...f, restartPolicy: e.target.value as RestartPolicy })}>
                  <option value="never">never</option>
                  <option value="on-failure">on-failure</option>
                  <option value="always">always</option>
                </Select>
              )}
            </Field>
            <Field label="Memory (MiB)">{(p) => <Input {...p} type="number" min={16} max={65536} value={f.memoryMb} onChange={set('memoryMb')} required />}</Field>
            <Field label="CPU shares">{(p) => <Input {...p} type="number" min={2} max={10000} value={f.cpuShares} onChange={set('cpuShares')} required />}</Field>
            <Field label="Processes">{(p) => <Input {...p} type="number" min={8} max={32768} value={f.pids} onChange={set('pids')} required />}</Field>
          </div>
          <Field label="Environment" hint="One NAME=value per line; PILOX_* names are reserved.">
            {(p) => <Textarea {...p} rows={3} className="font-mono text-xs" value={f.env} onChange={set('env')} />}
          </Field>
          <Field label="Secret references" hint="Names of your secrets, comma-separated; given to the agent as environment variables.">
            {(p) => <Input {...p} value={f.secretRefs} onChange={set('secretRefs')} />}
          </Field>
        </fieldset>
      )}
      {error !== null && <ErrorState error={error} />}
      {saved && <Alert tone="success">Saved.</Alert>}
      <Button type="submit" busy={busy}>Save changes</Button>
    </form>
  );
}
