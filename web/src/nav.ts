import { Activity, ChartColumn, Bot, Landmark, Send, Settings, Wallet, type LucideIcon } from 'lucide-react';
import type { Role } from './lib/types';

export interface NavItem {
  to: string;
  label: string;
  icon: LucideIcon;
  /** Lowest role that sees the item. */
  role?: Role;
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** Every page with a place in the sidebar; a capability's page is added with its API. */
export function navItems(role: Role | undefined): NavItem[] {
  const all: NavItem[] = [
    { to: '/agents', label: 'Agents', icon: Bot },
    { to: '/usage', label: 'Usage', icon: ChartColumn },
    { to: '/billing', label: 'Billing', icon: Wallet },
    { to: '/admin/billing', label: 'Billing admin', icon: Landmark, role: 'admin' },
    { to: '/push-deliveries', label: 'Push deliveries', icon: Send, role: 'operator' },
    { to: '/system', label: 'System', icon: Activity },
    { to: '/settings', label: 'Settings', icon: Settings },
  ];
  return all.filter((i) => !i.role || (role !== undefined && RANK[role] >= RANK[i.role]));
}
