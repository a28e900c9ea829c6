import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { api } from '../../lib/api';
import { ME_KEY, useMe } from '../../lib/auth';
import { Button } from '../../components/button';
import { ConfirmButton } from '../../components/confirm';
import { Alert, Badge, Card, ErrorState, Spinner } from '../../components/feedback';
import { Field, Input } from '../../components/form';
import { MfaCard } from './mfa-card';

function PasswordCard() {
  const [form, setForm] = useState({ current: '', next: '', confirm: '' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  const mismatch = form.confirm !== '' && form.confirm !== form.next;
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (mismatch) return;
    setBusy(true);
    setError(null);
    setDone(false);
    try {
      await api('/api/auth/password', { method: 'POST', body: { currentPassword: form.current, newPassword: form.next } });
      setForm({ current: '', next: '', confirm: '' });
      setDone(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <Card title="Password">
      <form onSubmit={submit} className="max-w-md space-y-4">
        {error !== null && <ErrorState error={error} />}
        {done && <Alert tone="success">Password changed. Your other sessions were signed out.</Alert>}
        <Field label="Current password">
          {(p) => <Input {...p} type="password" value={form.current} onChange={(e) => setForm({ ...form, current: e.target.value })} required autoComplete="current-password" />}
        </Field>
        <Field label="New password" hint="8 to 256 characters.">
          {(p) => <Input {...p} type="password" value={form.next} onChange={(e) => setForm({ ...form, next: e.target.value })} required minLength={8} maxLength={256} autoComplete="new-password" />}
        </Field>
        <Field label="Confirm new password" error={mismatch ? 'The passwords differ' : undefined}>
          {(p) => <Input {...p} type="password" value={form.confirm} onChange={(e) => setForm({ ...form, confirm: e.target.value })} required autoComplete="new-password" />}
        </Field>
        <Button type="submit" busy={busy}>Change password</Button>
      </form>
    </Card>
  );
}

export default function AccountPage() {
  const me = useMe();
  const qc = useQueryClient();
  const navigate = useNavigate();
  if (me.isPending) return <Spinner />;
  if (me.isError) return <ErrorState error={me.error} onRetry={() => me.refetch()} />;
  const user = me.data?.user;
  if (!user) return <Alert>This principal is not a user account; account settings do not apply.</Alert>;
  return (
    <div className="space-y-6">
      <Card title="Profile">
        <dl className="grid grid-cols-1 gap-3 text-sm sm:grid-cols-3">
          <div><dt className="text-zinc-500 dark:text-zinc-400">Name</dt><dd className="font-medium">{user.name}</dd></div>
          <div><dt className="text-zinc-500 dark:text-zinc-400">Email</dt><dd className="break-all font-medium">{user.email}</dd></div>
          <div><dt className="text-zinc-500 dark:text-zinc-400">Role</dt><dd><Badge tone="blue">{user.role}</Badge></dd></div>
        </dl>
      </Card>
      <MfaCard />
      <PasswordCard />
      <Card title="Sessions">
        <div className="flex flex-wrap items-center justify-between gap-3">
          <p className="text-sm text-zinc-600 dark:text-zinc-400">Sign out of every browser where you are signed in, including this one. API tokens keep working.</p>
          <ConfirmButton
            label="Sign out everywhere"
            title="Sign out everywhere?"
            description="Every session of your account ends, including this one."
            confirmLabel="Sign out everywhere"
            onConfirm={async () => {
              await api('/api/auth/sessions/revoke', { method: 'POST' });
              qc.clear();
              qc.setQueryData(ME_KEY, null);
              navigate('/login', { replace: true });
            }}
          />
        </div>
      </Card>
    </div>
  );
}
