import { useState, type ReactNode } from 'react';
import { Dialog } from './dialog';
import { Button } from './button';
import { ErrorState } from './feedback';

/** A button that asks before doing something destructive; shows the API's error in place. */
export function ConfirmButton({
  label,
  title,
  description,
  confirmLabel = 'Confirm',
  onConfirm,
  variant = 'danger',
  size = 'sm',
  children,
}: {
  label: string;
  title: string;
  description?: string;
  confirmLabel?: string;
  onConfirm: () => Promise<unknown>;
  variant?: 'danger' | 'secondary' | 'primary' | 'ghost';
  size?: 'sm' | 'md';
  children?: ReactNode;
}) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  return (
    <>
      <Button size={size} variant={variant === 'danger' ? 'secondary' : variant} onClick={() => { setError(null); setOpen(true); }}>
        {children ?? label}
      </Button>
      <Dialog open={open} onOpenChange={setOpen} title={title} description={description}>
        {error !== null && <div className="mb-4"><ErrorState error={error} /></div>}
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={() => setOpen(false)}>Cancel</Button>
          <Button
            variant={variant === 'danger' ? 'danger' : 'primary'}
            busy={busy}
            onClick={async () => {
              setBusy(true);
              setError(null);
              try {
                await onConfirm();
                setOpen(false);
              } catch (err) {
                setError(err);
              } finally {
                setBusy(false);
              }
            }}
          >
            {confirmLabel}
          </Button>
        </div>
      </Dialog>
    </>
  );
}
