// TOTP enrolment: QR code of the otpauth URI (and the secret for manual entry), a first code to
// confirm, then the recovery codes, shown once.
import { useState, type FormEvent } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { QRCodeSVG } from 'qrcode.react';
import { ShieldCheck } from 'lucide-react';
import { api } from '../../lib/api';
import type { MfaStatus } from '../../lib/types';
import { Button } from '../../components/button';
import { Dialog } from '../../components/dialog';
import { Alert, Badge, Card, CopyButton, ErrorState, Spinner } from '../../components/feedback';
import { Field, Input } from '../../components/form';

const MFA_KEY = ['mfa'];

function Enrol({ onStarted, onFinished }: { onStarted: () => void; onFinished: () => void }) {
  const [setup, setSetup] = useState<{ secret: string; otpauthUrl: string } | null>(null);
  const [code, setCode] = useState('');
  const [codes, setCodes] = useState<string[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function run(fn: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  if (codes) {
    return (
      <div className="space-y-3">
        <Alert tone="success">Two-factor authentication is on.</Alert>
        <p className="text-sm">
          Keep these recovery codes somewhere safe. Each one signs you in once if you lose your device; they will not be shown again.
        </p>
        <ul data-testid="recovery-codes" className="grid grid-cols-2 gap-1 rounded-md bg-zinc-100 p-3 font-mono text-sm dark:bg-zinc-800">
          {codes.map((c) => (
            <li key={c}>{c}</li>
          ))}
        </ul>
        <div className="flex flex-wrap gap-2">
          <CopyButton value={codes.join('\n')} label="Copy codes" />
          <Button onClick={onFinished}>I saved them</Button>
        </div>
      </div>
    );
  }

  if (!setup) {
    return (
      <div className="space-y-3">
        {error !== null && <ErrorState error={error} />}
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          Protect your account with a code from an authenticator app (1Password, Google Authenticator, Aegis…) at every sign-in.
        </p>
        <Button busy={busy} onClick={() => run(async () => {
          setSetup(await api('/api/auth/mfa/setup', { method: 'POST' }));
          onStarted();
        })}>
          Enable two-factor authentication
        </Button>
      </div>
    );
  }

  const confirm = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const res = await api<{ recoveryCodes: string[] }>('/api/auth/mfa/confirm', { method: 'POST', body: { code: code.replace(/\s/g, '') } });
      setCodes(res.recoveryCodes);
    });
  };

  return (
    <form onSubmit={confirm} className="space-y-4">
      {error !== null && <ErrorState error={error} />}
      <p className="text-sm">1. Scan this code with your authenticator app.</p>
      <div role="img" aria-label="Authenticator QR code" className="inline-block rounded-md bg-white p-3">
        <QRCodeSVG value={setup.otpauthUrl} size={176} marginSize={1} aria-hidden />
      </div>
      <div className="space-y-1">
        <p className="text-xs text-zinc-500 dark:text-zinc-400">Or enter this key by hand:</p>
        <div className="flex items-center gap-2">
          <code data-testid="mfa-secret" className="break-all rounded bg-zinc-100 px-2 py-1 font-mono text-xs dark:bg-zinc-800">
            {setup.secret}
          </code>
          <CopyButton value={setup.secret} />
        </div>
      </div>
      <Field label="2. Enter the 6-digit code it shows">
        {(p) => (
          <Input
            {...p}
            value={code}
            onChange={(e) => setCode(e.target.value)}
            required
            inputMode="numeric"
            pattern="\s*\d{3}\s?\d{3}\s*"
            maxLength={7}
            autoComplete="one-time-code"
            className="max-w-40 font-mono tracking-widest"
          />
        )}
      </Field>
      <Button type="submit" busy={busy}>
        Verify and enable
      </Button>
    </form>
  );
}

function DisableDialog({ open, onOpenChange, onDone }: { open: boolean; onOpenChange: (o: boolean) => void; onDone: () => void }) {
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const c = code.replace(/\s/g, '');
    try {
      await api('/api/auth/mfa/disable', { method: 'POST', body: /^\d{6}$/.test(c) ? { password, code: c } : { password, recoveryCode: code.trim() } });
      setPassword('');
      setCode('');
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <Dialog open={open} onOpenChange={onOpenChange} title="Turn off two-factor authentication" description="Your password and a current code (or a recovery code) are needed.">
      <form onSubmit={submit} className="space-y-4">
        {error !== null && <ErrorState error={error} />}
        <Field label="Password">{(p) => <Input {...p} type="password" value={password} onChange={(e) => setPassword(e.target.value)} required autoComplete="current-password" />}</Field>
        <Field label="Code or recovery code">{(p) => <Input {...p} value={code} onChange={(e) => setCode(e.target.value)} required maxLength={32} autoComplete="one-time-code" className="font-mono" />}</Field>
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={() => onOpenChange(false)}>Cancel</Button>
          <Button type="submit" variant="danger" busy={busy}>Turn off</Button>
        </div>
      </form>
    </Dialog>
  );
}

export function MfaCard() {
  const qc = useQueryClient();
  const status = useQuery({ queryKey: MFA_KEY, queryFn: () => api<MfaStatus>('/api/auth/mfa') });
  const [enrolling, setEnrolling] = useState(false);
  const [disabling, setDisabling] = useState(false);
  const refresh = () => qc.invalidateQueries({ queryKey: MFA_KEY });
  return (
    <Card
      title="Two-factor authentication"
      actions={status.data?.enabled && !enrolling ? <Badge tone="green"><ShieldCheck className="mr-1 size-3" aria-hidden />On</Badge> : status.data ? <Badge>Off</Badge> : null}
    >
      {status.isPending ? (
        <Spinner />
      ) : status.isError ? (
        <ErrorState error={status.error} onRetry={() => status.refetch()} />
      ) : status.data.enabled && !enrolling ? (
        <div className="space-y-3">
          <p className="text-sm">
            Sign-ins ask for a code from your authenticator app. Recovery codes left: <strong>{status.data.recoveryCodesRemaining}</strong>
          </p>
          {status.data.recoveryCodesRemaining <= 2 && (
            <Alert tone="warning">Few recovery codes left: turn two-factor authentication off and on again to get new ones.</Alert>
          )}
          <Button variant="secondary" onClick={() => setDisabling(true)}>Turn off</Button>
          <DisableDialog open={disabling} onOpenChange={setDisabling} onDone={() => { setDisabling(false); void refresh(); }} />
        </div>
      ) : (
        <Enrol
          onStarted={() => setEnrolling(true)}
          onFinished={() => {
            setEnrolling(false);
            void refresh();
          }}
        />
      )}
    </Card>
  );
}
