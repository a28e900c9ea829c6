import { useEffect, useRef, useState, type ReactNode } from 'react';
import { NavLink, Outlet, useLocation } from 'react-router';
import { Menu, Moon, Sun, X } from 'lucide-react';
import { useTheme } from '../lib/theme';
import { useQuery } from '@tanstack/react-query';
import { api } from '../lib/api';
import { hasRole, useMe } from '../lib/auth';
import type { SecuritySettings } from '../lib/types';
import { navItems } from '../nav';

function NavList({ onNavigate }: { onNavigate?: () => void }) {
  const me = useMe();
  return (
    <nav aria-label="Main" className="space-y-0.5">
      {navItems(me.data?.principal.role).map((item) => (
        <NavLink
          key={item.to}
          to={item.to}
          onClick={onNavigate}
          className={({ isActive }) =>
            `flex items-center gap-2.5 rounded-md px-2.5 py-2 text-sm font-medium ${
              isActive
                ? 'bg-indigo-50 text-indigo-700 dark:bg-indigo-950/60 dark:text-indigo-300'
                : 'text-zinc-700 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800'
            }`
          }
        >
          <item.icon className="size-4" aria-hidden />
          {item.label}
        </NavLink>
      ))}
    </nav>
  );
}

/** The instance name is an admin setting (only admins may read it), so only they see it here. */
function useInstanceName(): string | null {
  const me = useMe();
  const settings = useQuery({
    queryKey: ['settings', 'security'],
    queryFn: () => api<SecuritySettings>('/api/settings/security'),
    enabled: hasRole(me.data, 'admin'),
    staleTime: 60_000,
  });
  return settings.data?.instanceName ?? null;
}

function Brand() {
  const instance = useInstanceName();
  return (
    <div className="flex items-center gap-2 px-2.5">
      <img src="/favicon.svg" alt="" className="size-6" />
      <span className="min-w-0">
        <span className="block text-base font-semibold leading-tight tracking-tight">Pilox</span>
        {instance && <span className="block truncate text-xs text-zinc-500 dark:text-zinc-400" data-testid="instance-name">{instance}</span>}
      </span>
    </div>
  );
}

export function ThemeToggle() {
  const { theme, toggle } = useTheme();
  return (
    <button
      type="button"
      onClick={toggle}
      className="rounded-md p-2 text-zinc-600 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800"
      aria-label={theme === 'dark' ? 'Switch to light theme' : 'Switch to dark theme'}
    >
      {theme === 'dark' ? <Sun className="size-4" aria-hidden /> : <Moon className="size-4" aria-hidden />}
    </button>
  );
}

/** The console frame: sidebar on wide screens, a drawer under 768 px. */
export function Layout({ userMenu }: { userMenu?: ReactNode }) {
  const [open, setOpen] = useState(false);
  const location = useLocation();
  const opener = useRef<HTMLButtonElement>(null);
  const closer = useRef<HTMLButtonElement>(null);
  const wasOpen = useRef(false);
  // Keyboard users land on the drawer's close button, leave it with Escape, and get their focus
  // back on the menu button.
  useEffect(() => {
    if (open) {
      closer.current?.focus();
      const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
      window.addEventListener('keydown', onKey);
      wasOpen.current = true;
      return () => window.removeEventListener('keydown', onKey);
    }
    if (wasOpen.current) opener.current?.focus();
    wasOpen.current = false;
  }, [open]);
  return (
    <div className="min-h-screen md:flex">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 dark:focus:bg-zinc-900">
        Skip to content
      </a>
      <aside className="hidden w-60 shrink-0 border-r border-zinc-200 bg-white px-3 py-4 md:flex md:flex-col dark:border-zinc-800 dark:bg-zinc-900">
        <Brand />
        <div className="mt-6 flex-1">
          <NavList />
        </div>
        <div className="flex items-center justify-between gap-2 border-t border-zinc-200 pt-3 dark:border-zinc-800">
          {userMenu}
          <ThemeToggle />
        </div>
      </aside>
      <header className="flex items-center justify-between border-b border-zinc-200 bg-white px-3 py-2 md:hidden dark:border-zinc-800 dark:bg-zinc-900">
        <button
          ref={opener}
          type="button"
          className="rounded-md p-2 hover:bg-zinc-100 dark:hover:bg-zinc-800"
          aria-label="Open navigation"
          aria-expanded={open}
          onClick={() => setOpen(true)}
        >
          <Menu className="size-5" aria-hidden />
        </button>
        <Brand />
        <ThemeToggle />
      </header>
      {open && (
        <div className="fixed inset-0 z-40 md:hidden" role="dialog" aria-modal="true" aria-label="Navigation">
          <div className="absolute inset-0 bg-black/40" onClick={() => setOpen(false)} />
          <div className="absolute inset-y-0 left-0 flex w-72 max-w-[85vw] flex-col bg-white px-3 py-4 shadow-xl dark:bg-zinc-900">
            <div className="flex items-center justify-between">
              <Brand />
              <button ref={closer} type="button" className="rounded-md p-2 hover:bg-zinc-100 dark:hover:bg-zinc-800" aria-label="Close navigation" onClick={() => setOpen(false)}>
                <X className="size-5" aria-hidden />
              </button>
            </div>
            <div className="mt-6 flex-1">
              <NavList onNavigate={() => setOpen(false)} />
            </div>
            {userMenu && <div className="border-t border-zinc-200 pt-3 dark:border-zinc-800">{userMenu}</div>}
          </div>
        </div>
      )}
      <main id="main" key={location.pathname} className="min-w-0 flex-1 px-4 py-6 md:px-8">
        <div className="mx-auto max-w-6xl">
          <Outlet />
        </div>
      </main>
    </div>
  );
}
