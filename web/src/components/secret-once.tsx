import { CopyButton, Alert } from './feedback';

/** A value the server returns once (API token, reset link): shown with a copy button and a warning. */
export function SecretOnce({ label, value, note }: { label: string; value: string; note?: string }) {
  return (
    <div className="space-y-2">
      <Alert tone="warning">{note ?? 'Copy it now: it will not be shown again.'}</Alert>
      <p className="text-sm font-medium">{label}</p>
      <div className="flex items-center gap-2">
        <code data-testid="secret-once" className="min-w-0 flex-1 break-all rounded-md bg-zinc-100 px-3 py-2 font-mono text-xs dark:bg-zinc-800">
          {value}
        </code>
        <CopyButton value={value} />
      </div>
    </div>
  );
}
