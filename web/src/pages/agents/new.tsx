// Create an agent: managed (model + prompt + tools), package upload (tar.gz), or import a remote
// A2A agent by its card URL.
import { useState, type FormEvent, type ReactNode } from 'react';
import { useNavigate } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import * as Tabs from '@radix-ui/react-tabs';
import { Plus, Trash2 } from 'lucide-react';
import { api } from '../../lib/api';
import type { Agent, ManagedConfig, RestartPolicy, RuntimeName, Visibility } from '../../lib/types';
import { Button } from '../../components/button';
import { Card, ErrorState, PageHeader } from '../../components/feedback';
import { Field, Input, Select, Textarea } from '../../components/form';
import { AGENTS_KEY } from './common';
import { ProviderModelFields } from './provider-fields';

const SLUG = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

export function slugify(name: string): string {
  return name.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63);
}

interface Common {
  name: string;
  slug: string;
  slugEdited: boolean;
  description: string;
  visibility: Visibility;
  runtime: '' | RuntimeName;
  restartPolicy: RestartPolicy;
}

function CommonFields({ value, onChange, withRuntime = true }: { value: Common; onChange: (c: Common) => void; withRuntime?: boolean }) {
  const badSlug = value.slug !== '' && (!SLUG.test(value.slug) || value.slug.length < 2);
  return (
    <div className="grid grid-cols-1 gap-4 md:grid-cols-2">
      <Field label="Name">
        {(p) => <Input {...p} value={value.name} required maxLength={200} onChange={(e) => onChange({ ...value, name: e.target.value, slug: value.slugEdited ? value.slug : slugify(e.target.value) })} />}
      </Field>
      <Field label="Slug" hint="In its A2A URL: /a2a/agents/<slug>" error={badSlug ? 'Lowercase letters, digits and -, 2 to 63 characters' : undefined}>
        {(p) => <Input {...p} value={value.slug} required minLength={2} maxLength={63} spellCheck={false} className="font-mono" onChange={(e) => onChange({ ...value, slug: e.target.value, slugEdited: true })} />}
      </Field>
      <div className="md:col-span-2">
        <Field label="Description">{(p) => <Input {...p} value={value.description} maxLength={2000} onChange={(e) => onChange({ ...value, description: e.target.value })} />}</Field>
      </div>
      <Field label="Visibility" hint="private: you and admins; instance: every signed-in user; public: anonymous A2A callers too.">
        {(p) => (
          <Select {...p} value={value.visibility} onChange={(e) => onChange({ ...value, visibility: e.target.value as Visibility })}>
            <option value="private">private</option>
            <option value="instance">instance</option>
            <option value="public">public</option>
          </Select>
        )}
      </Field>
      {withRuntime && (
        <Field label="Runtime" hint="Default: the sandbox when the machine supports it.">
          {(p) => (
            <Select {...p} value={value.runtime} onChange={(e) => onChange({ ...value, runtime: e.target.value as Common['runtime'] })}>
              <option value="">default</option>
              <option value="sandbox">sandbox</option>
              <option value="process">process (no isolation)</option>
              <option value="docker">docker</option>
            </Select>
          )}
        </Field>
      )}
      {withRuntime && (
        <Field label="Restart policy">
          {(p) => (
            <Select {...p} value={value.restartPolicy} onChange={(e) => onChange({ ...value, restartPolicy: e.target.value as RestartPolicy })}>
              <option value="on-failure">on failure</option>
              <option value="always">always</option>
              <option value="never">never</option>
            </Select>
          )}
        </Field>
      )}
    </div>
  );
}

const EMPTY: Common = { name: '', slug: '', slugEdited: false, description: '', visibility: 'private', runtime: '', restartPolicy: 'on-failure' };

function commonBody(c: Common) {
  return {
    name: c.name.trim(),
    slug: c.slug,
    ...(c.description.trim() ? { description: c.description.trim() } : {}),
    visibility: c.visibility,
    ...(c.runtime ? { runtime: c.runtime } : {}),
    restartPolicy: c.restartPolicy,
  };
}

function useCreate() {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = async (fn: () => Promise<Agent>) => {
    setBusy(true);
    setError(null);
    try {
      const agent = await fn();
      await qc.invalidateQueries({ queryKey: AGENTS_KEY });
      navigate(`/agents/${agent.id}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return { busy, error, run };
}

function Submit({ busy, children, error }: { busy: boolean; children: ReactNode; error: unknown }) {
  return (
    <>
      {error !== null && <ErrorState error={error} />}
      <div className="flex justify-end">
        <Button type="submit" busy={busy}>{children}</Button>
      </div>
    </>
  );
}

type Tool = { name: string; url: string };

function ManagedForm() {
  const [common, setCommon] = useState(EMPTY);
  const [providerId, setProviderId] = useState('');
  const [model, setModel] = useState('');
  const [systemPrompt, setSystemPrompt] = useState('You are a helpful assistant.');
  const [temperature, setTemperature] = useState('');
  const [tools, setTools] = useState<Tool[]>([]);
  const { busy, error, run } = useCreate();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const managed: ManagedConfig = {
      ...(providerId ? { providerId } : {}),
      model: model.trim(),
      systemPrompt,
      ...(temperature !== '' ? { temperature: Number(temperature) } : {}),
      tools: tools.filter((t) => t.name && t.url),
    };
    void run(() => api<Agent>('/api/agents', { method: 'POST', body: { ...commonBody(common), kind: 'managed', managed } }));
  };
  return (
    <form onSubmit={submit} className="space-y-6">
      <CommonFields value={common} onChange={setCommon} />
      <div className="grid grid-cols-1 gap-4 md:grid-cols-2">
        <ProviderModelFields providerId={providerId} model={model} onProvider={setProviderId} onModel={setModel} />
        <Field label="Temperature" hint="0 to 2; empty uses the provider's default.">
          {(p) => <Input {...p} type="number" min={0} max={2} step={0.1} value={temperature} onChange={(e) => setTemperature(e.target.value)} />}
        </Field>
        <div className="md:col-span-2">
          <Field label="System prompt">{(p) => <Textarea {...p} value={systemPrompt} onChange={(e) => setSystemPrompt(e.target.value)} rows={5} maxLength={32000} />}</Field>
        </div>
      </div>
      <fieldset className="space-y-3">
        <legend className="text-sm font-medium">Tools (MCP servers, streamable HTTP)</legend>
        {tools.length === 0 && <p className="text-xs text-zinc-500 dark:text-zinc-400">None. Pilox calls them on the agent's behalf, through the egress guard.</p>}
        {tools.map((t, i) => (
          <div key={i} className="flex flex-wrap items-end gap-2">
            <div className="w-40"><Field label={`Tool ${i + 1} name`}>{(p) => <Input {...p} value={t.name} required maxLength={64} pattern="[A-Za-z0-9_\-]+" onChange={(e) => setTools(tools.map((x, j) => (j === i ? { ...x, name: e.target.value } : x)))} />}</Field></div>
            <div className="min-w-48 flex-1"><Field label={`Tool ${i + 1} URL`}>{(p) => <Input {...p} type="url" value={t.url} required maxLength={2048} onChange={(e) => setTools(tools.map((x, j) => (j === i ? { ...x, url: e.target.value } : x)))} />}</Field></div>
            <Button variant="ghost" aria-label={`Remove tool ${i + 1}`} onClick={() => setTools(tools.filter((_, j) => j !== i))}><Trash2 className="size-4" aria-hidden /></Button>
          </div>
        ))}
        <Button size="sm" variant="secondary" onClick={() => setTools([...tools, { name: '', url: '' }])}><Plus className="size-3.5" aria-hidden />Add tool</Button>
      </fieldset>
      <Submit busy={busy} error={error}>Create managed agent</Submit>
    </form>
  );
}

function PackageForm() {
  const [common, setCommon] = useState(EMPTY);
  const [file, setFile] = useState<File | null>(null);
  const { busy, error, run } = useCreate();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!file) return;
    void run(async () => {
      const agent = await api<Agent>('/api/agents', { method: 'POST', body: { ...commonBody(common), kind: 'package' } });
      // The agent exists now; a failed upload leaves it without a package, which its page shows.
      return api<Agent>(`/api/agents/${agent.id}/package`, { method: 'POST', body: file, headers: { 'content-type': 'application/gzip' } });
    });
  };
  return (
    <form onSubmit={submit} className="space-y-6">
      <CommonFields value={common} onChange={setCommon} />
      <Field label="Package (.tar.gz)" hint="package.json whose main serves A2A on PILOX_AGENT_SOCKET; `npm pack` output works. At most 20 MiB.">
        {(p) => <input {...p} type="file" required accept=".tgz,.tar.gz,application/gzip" onChange={(e) => setFile(e.target.files?.[0] ?? null)} className="block w-full text-sm file:mr-3 file:rounded-md file:border-0 file:bg-zinc-100 file:px-3 file:py-2 file:text-sm file:font-medium dark:file:bg-zinc-800" />}
      </Field>
      <Submit busy={busy} error={error}>Create and upload</Submit>
    </form>
  );
}

function ImageForm() {
  const [common, setCommon] = useState(EMPTY);
  const [image, setImage] = useState('');
  const { busy, error, run } = useCreate();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(() => api<Agent>('/api/agents', { method: 'POST', body: { ...commonBody({ ...common, runtime: 'docker' }), kind: 'image', image: image.trim() } }));
  };
  return (
    <form onSubmit={submit} className="space-y-6">
      <CommonFields value={common} onChange={setCommon} withRuntime={false} />
      <Field label="Image" hint="An OCI image that serves A2A on PILOX_AGENT_SOCKET; runs on the docker runtime.">
        {(p) => <Input {...p} value={image} onChange={(e) => setImage(e.target.value)} required maxLength={512} spellCheck={false} className="font-mono" placeholder="ghcr.io/acme/support-agent:1.2" />}
      </Field>
      <Submit busy={busy} error={error}>Create image agent</Submit>
    </form>
  );
}

function ImportForm() {
  const [cardUrl, setCardUrl] = useState('');
  const [common, setCommon] = useState(EMPTY);
  const { busy, error, run } = useCreate();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(() => api<Agent>('/api/agents/import', { method: 'POST', body: { cardUrl: cardUrl.trim(), slug: common.slug, visibility: common.visibility } }));
  };
  return (
    <form onSubmit={submit} className="space-y-6">
      <Field label="Agent card URL" hint="Fetched through the egress guard; the agent is proxied, never run here.">
        {(p) => <Input {...p} type="url" value={cardUrl} onChange={(e) => setCardUrl(e.target.value)} required maxLength={2048} placeholder="https://agent.example.com/.well-known/agent-card.json" />}
      </Field>
      <div className="grid grid-cols-1 gap-4 md:grid-cols-2">
        <Field label="Slug" hint="In its A2A URL here: /a2a/agents/<slug>">
          {(p) => <Input {...p} value={common.slug} required minLength={2} maxLength={63} pattern="[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?" spellCheck={false} className="font-mono" onChange={(e) => setCommon({ ...common, slug: e.target.value, slugEdited: true })} />}
        </Field>
        <Field label="Visibility">
          {(p) => (
            <Select {...p} value={common.visibility} onChange={(e) => setCommon({ ...common, visibility: e.target.value as Visibility })}>
              <option value="private">private</option>
              <option value="instance">instance</option>
              <option value="public">public</option>
            </Select>
          )}
        </Field>
      </div>
      <Submit busy={busy} error={error}>Import agent</Submit>
    </form>
  );
}

const tab =
  'rounded-md px-3 py-1.5 text-sm font-medium text-zinc-600 data-[state=active]:bg-white data-[state=active]:text-zinc-900 data-[state=active]:shadow-sm dark:text-zinc-400 dark:data-[state=active]:bg-zinc-800 dark:data-[state=active]:text-zinc-100';

export default function NewAgentPage() {
  return (
    <div>
      <PageHeader title="New agent" />
      <Tabs.Root defaultValue="managed">
        <Tabs.List aria-label="Kind of agent" className="mb-4 inline-flex flex-wrap gap-1 rounded-lg bg-zinc-100 p-1 dark:bg-zinc-900">
          <Tabs.Trigger value="managed" className={tab}>Managed</Tabs.Trigger>
          <Tabs.Trigger value="package" className={tab}>Package upload</Tabs.Trigger>
          <Tabs.Trigger value="image" className={tab}>Container image</Tabs.Trigger>
          <Tabs.Trigger value="import" className={tab}>Import by URL</Tabs.Trigger>
        </Tabs.List>
        <Card>
          <Tabs.Content value="managed"><ManagedForm /></Tabs.Content>
          <Tabs.Content value="package"><PackageForm /></Tabs.Content>
          <Tabs.Content value="image"><ImageForm /></Tabs.Content>
          <Tabs.Content value="import"><ImportForm /></Tabs.Content>
        </Card>
      </Tabs.Root>
    </div>
  );
}
