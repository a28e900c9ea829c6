import { useState } from 'react';
import { useNavigate } from 'react-router';
import { LogOut } from 'lucide-react';
import { useMe, useSignOut } from '../lib/auth';

export function UserMenu() {
  const me = useMe();
  const signOut = useSignOut();
  const navigate = useNavigate();
  const [busy, setBusy] = useState(false);
  const user = me.data?.user;
  return (
    <div className="flex min-w-0 flex-1 items-center gap-2">
      <div className="min-w-0 flex-1 px-1">
        <p className="truncate text-sm font-medium">{user?.name ?? 'Signed in'}</p>
        <p className="truncate text-xs text-zinc-500 dark:text-zinc-400">{user ? `${user.email} · ${user.role}` : me.data?.principal.role}</p>
      </div>
      <button
        type="button"
        disabled={busy}
        className="rounded-md p-2 text-zinc-600 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800"
        aria-label="Sign out"
        title="Sign out"
        onClick={async () => {
          setBusy(true);
          try {
            await signOut();
          } finally {
            navigate('/login', { replace: true });
          }
        }}
      >
        <LogOut className="size-4" aria-hidden />
      </button>
    </div>
  );
}
