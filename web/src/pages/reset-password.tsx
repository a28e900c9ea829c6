// Target of an admin-issued reset link: /reset-password?token=…
import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api } from '../lib/api';
import { AuthShell } from '../components/auth-shell';
import { Button } from '../components/button';
import { Alert, ErrorState } from '../components/feedback';
import { Field, Input } from '../components/form';

export default function ResetPasswordPage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const mismatch = confirm !== '' && confirm !== password;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (mismatch) return;
    setBusy(true);
    setError(null);
    try {
      await api('/api/auth/password-reset', { method: 'POST', body: { token, password } });
      setDone(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const link = 'font-medium text-indigo-600 hover:underline dark:text-indigo-400';
  if (!token) {
    return (
      <AuthShell title="Reset your password">
        <Alert tone="error">This link has no token. Ask an administrator for a new reset link.</Alert>
      </AuthShell>
    );
  }
  if (done) {
    return (
      <AuthShell title="Password changed">
        <Alert tone="success">Your password was changed. Sign in with it now.</Alert>
        <p className="mt-4 text-sm"><Link to="/login" className={link}>Go to sign in</Link></p>
      </AuthShell>
    );
  }
  return (
    <AuthShell title="Reset your password" description="Choose a new password for your account.">
      <form onSubmit={submit} className="space-y-4">
        {error !== null && <ErrorState error={error} />}
        <Field label="New password" hint="8 to 256 characters.">
          {(p) => <Input {...p} type="password" value={password} onChange={(e) => setPassword(e.target.value)} required minLength={8} maxLength={256} autoComplete="new-password" />}
        </Field>
        <Field label="Confirm password" error={mismatch ? 'The passwords differ' : undefined}>
          {(p) => <Input {...p} type="password" value={confirm} onChange={(e) => setConfirm(e.target.value)} required autoComplete="new-password" />}
        </Field>
        <Button type="submit" busy={busy} className="w-full">Set password</Button>
      </form>
    </AuthShell>
  );
}
