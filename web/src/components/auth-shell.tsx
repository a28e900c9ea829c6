import type { ReactNode } from 'react';
import { ThemeToggle } from './layout';

/** Frame of the pages shown before sign-in (setup, login, password reset). */
export function AuthShell({ title, description, children, wide }: { title: string; description?: ReactNode; children: ReactNode; wide?: boolean }) {
  return (
    <div className="flex min-h-screen flex-col">
      <header className="flex items-center justify-between px-4 py-3">
        <div className="flex items-center gap-2">
          <img src="/favicon.svg" alt="" className="size-6" />
          <span className="text-base font-semibold tracking-tight">Pilox</span>
        </div>
        <ThemeToggle />
      </header>
      <main id="main" className="flex flex-1 items-start justify-center px-4 pb-12 pt-6 sm:pt-16">
        <div className={`w-full ${wide ? 'max-w-xl' : 'max-w-sm'} rounded-lg border border-zinc-200 bg-white p-6 shadow-sm dark:border-zinc-800 dark:bg-zinc-900`}>
          <h1 className="text-lg font-semibold tracking-tight">{title}</h1>
          {description && <p className="mt-1 text-sm text-zinc-500 dark:text-zinc-400">{description}</p>}
          <div className="mt-5">{children}</div>
        </div>
      </main>
    </div>
  );
}
