// First run: the setup token from the startup log, the first admin, then the instance's name.
import { useState, type FormEvent } from 'react';
import { Navigate, useNavigate } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { Check } from 'lucide-react';
import { api } from '../lib/api';
import { ME_KEY, SETUP_KEY, useSetupStatus } from '../lib/auth';
import type { User } from '../lib/types';
import { AuthShell } from '../components/auth-shell';
import { Button } from '../components/button';
import { ErrorState, Spinner } from '../components/feedback';
import { Field, Input } from '../components/form';
import { ProviderStep } from './setup-provider';

const STEPS = ['Administrator', 'Instance', 'LLM provider', 'Done'] as const;

function Steps({ current }: { current: number }) {
  return (
    <ol className="mb-6 flex items-center gap-2 text-xs" aria-label="Setup progress">
      {STEPS.map((label, i) => (
        <li key={label} className="flex items-center gap-2" aria-current={i === current ? 'step' : undefined}>
          <span
            className={`flex size-6 items-center justify-center rounded-full font-medium ${
              i < current
                ? 'bg-emerald-600 text-white'
                : i === current
                  ? 'bg-indigo-600 text-white'
                  : 'bg-zinc-200 text-zinc-600 dark:bg-zinc-800 dark:text-zinc-400'
            }`}
          >
            {i < current ? <Check className="size-3.5" aria-hidden /> : i + 1}
          </span>
          <span className={i === current ? 'font-medium' : 'text-zinc-500 dark:text-zinc-400'}>{label}</span>
          {i < STEPS.length - 1 && <span className="h-px w-4 bg-zinc-300 dark:bg-zinc-700" aria-hidden />}
        </li>
      ))}
    </ol>
  );
}

function AdminStep({ onDone }: { onDone: () => void }) {
  const qc = useQueryClient();
  const [form, setForm] = useState({ token: '', name: '', email: '', password: '', confirm: '' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const mismatch = form.confirm !== '' && form.confirm !== form.password;
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (mismatch) return;
    setBusy(true);
    setError(null);
    try {
      await api<{ user: User }>('/api/setup', {
        method: 'POST',
        headers: { 'x-hive-setup-token': form.token.trim() },
        body: { email: form.email, name: form.name, password: form.password },
      });
      await qc.invalidateQueries({ queryKey: ME_KEY });
      onDone();
      void qc.invalidateQueries({ queryKey: SETUP_KEY });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} className="space-y-4">
      {error !== null && <ErrorState error={error} />}
      <Field label="Setup token" hint="Printed by `pilox start` on first start (or HIVE_SETUP_TOKEN).">
        {(p) => <Input {...p} value={form.token} onChange={set('token')} required autoComplete="off" spellCheck={false} className="font-mono" />}
      </Field>
      <Field label="Your name">{(p) => <Input {...p} value={form.name} onChange={set('name')} required maxLength={100} autoComplete="name" />}</Field>
      <Field label="Email">{(p) => <Input {...p} type="email" value={form.email} onChange={set('email')} required maxLength={320} autoComplete="email" />}</Field>
      <Field label="Password" hint="8 to 256 characters; a passphrase is best.">
        {(p) => <Input {...p} type="password" value={form.password} onChange={set('password')} required minLength={8} maxLength={256} autoComplete="new-password" />}
      </Field>
      <Field label="Confirm password" error={mismatch ? 'The passwords differ' : undefined}>
        {(p) => <Input {...p} type="password" value={form.confirm} onChange={set('confirm')} required autoComplete="new-password" />}
      </Field>
      <Button type="submit" busy={busy} className="w-full">
        Create administrator
      </Button>
    </form>
  );
}

function InstanceStep({ onDone }: { onDone: () => void }) {
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api('/api/settings/security', { method: 'PATCH', body: { instanceName: name.trim() } });
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <form onSubmit={submit} className="space-y-4">
      {error !== null && <ErrorState error={error} />}
      <Field label="Instance name" hint="Shown in the console; you can change it later in Settings → Security.">
        {(p) => <Input {...p} value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} placeholder="Acme production" />}
      </Field>
      <div className="flex justify-between gap-2">
        <Button variant="ghost" onClick={onDone}>
          Skip
        </Button>
        <Button type="submit" busy={busy}>
          Save and continue
        </Button>
      </div>
    </form>
  );
}

export default function SetupPage() {
  const status = useSetupStatus();
  const navigate = useNavigate();
  const [step, setStep] = useState(0);
  const titles = ['Welcome to Pilox', 'Name this instance', 'Connect a model provider', 'All set'];
  const descriptions = [
    'Create the first administrator of this instance.',
    'A name helps tell instances apart.',
    'Managed agents call models through it. OpenAI-compatible servers (vLLM, Ollama, LiteLLM…) work too.',
    'Your instance is ready. Next: enable two-factor authentication and create API tokens in Settings.',
  ];
  if (status.isPending) return <AuthShell title="Setup"><Spinner /></AuthShell>;
  if (status.isError) return <AuthShell title="Setup"><ErrorState error={status.error} onRetry={() => status.refetch()} /></AuthShell>;
  if (status.data.adminExists && step === 0) return <Navigate to="/" replace />;
  return (
    <AuthShell title={titles[step]!} description={descriptions[step]} wide>
      <Steps current={step} />
      {step === 0 && <AdminStep onDone={() => setStep(1)} />}
      {step === 1 && <InstanceStep onDone={() => setStep(2)} />}
      {step === 2 && <ProviderStep onDone={() => setStep(3)} />}
      {step === 3 && (
        <div className="flex flex-wrap gap-2">
          <Button onClick={() => navigate('/', { replace: true })}>Open the console</Button>
          <Button variant="secondary" onClick={() => navigate('/settings/account', { replace: true })}>
            Set up two-factor authentication
          </Button>
        </div>
      )}
    </AuthShell>
  );
}
