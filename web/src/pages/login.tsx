// Sign in: email and password, then the second step when the account has MFA.
import { useState, type FormEvent } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { api } from '../lib/api';
import { ME_KEY, useMe, useSetupStatus } from '../lib/auth';
import type { LoginResult } from '../lib/types';
import { AuthShell } from '../components/auth-shell';
import { Button } from '../components/button';
import { ErrorState, Spinner } from '../components/feedback';
import { Field, Input } from '../components/form';

/** Only same-site paths, so a crafted ?next= cannot send the user elsewhere. */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

function MfaStep({ challenge, onSignedIn, onBack }: { challenge: string; onSignedIn: () => void; onBack: () => void }) {
  const [useRecovery, setUseRecovery] = useState(false);
  const [value, setValue] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api('/api/auth/mfa/verify', {
        method: 'POST',
        body: useRecovery ? { challenge, recoveryCode: value.trim() } : { challenge, code: value.replace(/\s/g, '') },
      });
      onSignedIn();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }
  return (
    <form onSubmit={submit} className="space-y-4">
      {error !== null && <ErrorState error={error} />}
      {useRecovery ? (
        <Field label="Recovery code" hint="Each recovery code works once.">
          {(p) => <Input {...p} value={value} onChange={(e) => setValue(e.target.value)} required maxLength={32} autoComplete="off" autoFocus className="font-mono" />}
        </Field>
      ) : (
        <Field label="Authentication code" hint="The 6-digit code from your authenticator app.">
          {(p) => (
            <Input
              {...p}
              value={value}
              onChange={(e) => setValue(e.target.value)}
              required
              inputMode="numeric"
              pattern="\s*\d{3}\s?\d{3}\s*"
              maxLength={7}
              autoComplete="one-time-code"
              autoFocus
              className="font-mono tracking-widest"
            />
          )}
        </Field>
      )}
      <Button type="submit" busy={busy} className="w-full">
        Verify
      </Button>
      <div className="flex justify-between text-sm">
        <button type="button" className="text-indigo-600 hover:underline dark:text-indigo-400" onClick={onBack}>
          Back
        </button>
        <button
          type="button"
          className="text-indigo-600 hover:underline dark:text-indigo-400"
          onClick={() => {
            setUseRecovery(!useRecovery);
            setValue('');
          }}
        >
          {useRecovery ? 'Use an authenticator code' : 'Use a recovery code'}
        </button>
      </div>
    </form>
  );
}

export default function LoginPage() {
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const navigate = useNavigate();
  const qc = useQueryClient();
  const me = useMe();
  const setup = useSetupStatus();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [challenge, setChallenge] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const signedIn = async () => {
    await qc.invalidateQueries({ queryKey: ME_KEY });
    navigate(next, { replace: true });
  };

  if (setup.data && !setup.data.adminExists) return <Navigate to="/setup" replace />;
  if (me.data && !busy && challenge === null) return <Navigate to={next} replace />;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const res = await api<LoginResult>('/api/auth/login', { method: 'POST', body: { email, password } });
      if (res.mfaRequired) {
        setChallenge(res.challenge);
        setPassword('');
        setBusy(false);
      } else {
        await signedIn();
      }
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }

  if (me.isPending) return <AuthShell title="Sign in"><Spinner /></AuthShell>;

  if (challenge) {
    return (
      <AuthShell title="Two-factor authentication" description="Your account is protected with a second factor.">
        <MfaStep challenge={challenge} onSignedIn={signedIn} onBack={() => setChallenge(null)} />
      </AuthShell>
    );
  }

  return (
    <AuthShell title="Sign in" description="Sign in to the Pilox console.">
      <form onSubmit={submit} className="space-y-4">
        {error !== null && <ErrorState error={error} />}
        <Field label="Email">{(p) => <Input {...p} type="email" value={email} onChange={(e) => setEmail(e.target.value)} required autoComplete="username" autoFocus />}</Field>
        <Field label="Password">
          {(p) => <Input {...p} type="password" value={password} onChange={(e) => setPassword(e.target.value)} required autoComplete="current-password" />}
        </Field>
        <Button type="submit" busy={busy} className="w-full">
          Sign in
        </Button>
        <p className="text-xs text-zinc-500 dark:text-zinc-400">Forgot your password? Ask an administrator for a reset link.</p>
      </form>
    </AuthShell>
  );
}
