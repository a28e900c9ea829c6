import { Activity, type LucideIcon } from 'lucide-react';

export interface NavItem {
  to: string;
  label: string;
  icon: LucideIcon;
}

/** Every page with a place in the sidebar; a capability's page is added with its API. */
export function navItems(): NavItem[] {
  return [{ to: '/system', label: 'System', icon: Activity }];
}
