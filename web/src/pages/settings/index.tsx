// Settings: one tab per area; admin-only tabs are hidden from other roles (the API refuses anyway).
import { NavLink, Outlet } from 'react-router';
import { hasRole, useMe } from '../../lib/auth';
import type { Role } from '../../lib/types';
import { PageHeader } from '../../components/feedback';

const TABS: { to: string; label: string; role: Role }[] = [
  { to: 'account', label: 'Account', role: 'viewer' },
  { to: 'tokens', label: 'API tokens', role: 'viewer' },
  { to: 'secrets', label: 'Secrets', role: 'operator' },
  { to: 'users', label: 'Users', role: 'admin' },
  { to: 'providers', label: 'LLM providers', role: 'admin' },
  { to: 'security', label: 'Security', role: 'admin' },
];

export default function SettingsLayout() {
  const me = useMe();
  return (
    <div>
      <PageHeader title="Settings" />
      <nav aria-label="Settings" className="-mx-4 mb-6 overflow-x-auto border-b border-zinc-200 px-4 dark:border-zinc-800">
        <ul className="flex gap-1">
          {TABS.filter((t) => hasRole(me.data, t.role)).map((t) => (
            <li key={t.to}>
              <NavLink
                to={t.to}
                className={({ isActive }) =>
                  `-mb-px block whitespace-nowrap border-b-2 px-3 py-2 text-sm font-medium ${
                    isActive
                      ? 'border-indigo-600 text-indigo-700 dark:border-indigo-400 dark:text-indigo-300'
                      : 'border-transparent text-zinc-600 hover:text-zinc-900 dark:text-zinc-400 dark:hover:text-zinc-100'
                  }`
                }
              >
                {t.label}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <Outlet />
    </div>
  );
}
