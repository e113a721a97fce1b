import type { Component } from 'svelte';
import BackupsPage from '../../routes/BackupsPage.svelte';
import CertificatesPage from '../../routes/CertificatesPage.svelte';
import DevicesPage from '../../routes/DevicesPage.svelte';
import NotFoundPage from '../../routes/NotFoundPage.svelte';
import StatusPage from '../../routes/StatusPage.svelte';
import SystemPage from '../../routes/SystemPage.svelte';
import TunnelPage from '../../routes/TunnelPage.svelte';
import UsersPage from '../../routes/UsersPage.svelte';

export interface PageRoute {
  path: string;
  label: string;
  component: Component;
}

/** The pages in navigation order. */
export const pages: readonly PageRoute[] = [
  { path: '/status', label: 'Status', component: StatusPage },
  { path: '/tunnel', label: 'Tunnel', component: TunnelPage },
  { path: '/devices', label: 'Devices', component: DevicesPage },
  { path: '/users', label: 'Users', component: UsersPage },
  { path: '/certificates', label: 'Certificates', component: CertificatesPage },
  { path: '/backups', label: 'Backups', component: BackupsPage },
  { path: '/system', label: 'System', component: SystemPage },
];

const notFound: PageRoute = { path: '', label: 'Not found', component: NotFoundPage };

/** `/` is the Status page; a trailing slash is ignored; anything else unknown is "not found". */
export function resolveRoute(pathname: string): PageRoute {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  if (path === '/' || path === '') {
    return pages[0] ?? notFound;
  }
  return pages.find((page) => page.path === path) ?? notFound;
}
