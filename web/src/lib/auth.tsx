// Who is signed in, and the guard that sends everyone else to the setup wizard or the login page.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { ApiError, api } from './api';
import type { Me, Role, SetupStatus } from './types';
import { ErrorState, Spinner } from '../components/feedback';

export const ME_KEY = ['me'] as const;
export const SETUP_KEY = ['setup-status'] as const;

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export function hasRole(me: Me | null | undefined, role: Role): boolean {
  return !!me && RANK[me.principal.role] >= RANK[role];
}

/** The caller, or null when not signed in (401 is an answer here, not an error). */
export function useMe() {
  return useQuery({
    queryKey: ME_KEY,
    queryFn: async () => {
      try {
        return await api<Me>('/api/auth/me');
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) return null;
        throw err;
      }
    },
    staleTime: 60_000,
  });
}

export function useSetupStatus() {
  return useQuery({ queryKey: SETUP_KEY, queryFn: () => api<SetupStatus>('/api/setup/status'), staleTime: 60_000 });
}

/** Clears every cached answer so nothing of the previous user stays on screen. */
export function useSignOut() {
  const qc = useQueryClient();
  return async () => {
    try {
      await api('/api/auth/logout', { method: 'POST' });
    } finally {
      qc.clear();
      qc.setQueryData(ME_KEY, null);
    }
  };
}

export function RequireAuth({ children }: { children: ReactNode }) {
  const location = useLocation();
  const setup = useSetupStatus();
  const me = useMe();
  if (setup.isError) return <div className="mx-auto max-w-2xl p-8"><ErrorState error={setup.error} onRetry={() => setup.refetch()} /></div>;
  if (me.isError) return <div className="mx-auto max-w-2xl p-8"><ErrorState error={me.error} onRetry={() => me.refetch()} /></div>;
  if (setup.isPending || me.isPending) return <div className="flex justify-center"><Spinner /></div>;
  if (!setup.data.adminExists) return <Navigate to="/setup" replace />;
  if (!me.data) {
    const next = location.pathname + location.search;
    return <Navigate to={`/login${next !== '/' ? `?next=${encodeURIComponent(next)}` : ''}`} replace />;
  }
  return <>{children}</>;
}
