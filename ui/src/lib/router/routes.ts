import type { Component } from 'svelte';
import BackupsPage from '../../routes/BackupsPage.svelte';
import NotFoundPage from '../../routes/NotFoundPage.svelte';
import SetupPage from '../../routes/SetupPage.svelte';
import SignInPage from '../../routes/SignInPage.svelte';
import StatusPage from '../../routes/StatusPage.svelte';
import SystemPage from '../../routes/SystemPage.svelte';

/** Who may open a page: anyone (setup, sign-in), any signed-in user, or admins only. */
export type Access = 'public' | 'signed-in' | 'admin';

/** Gives a page's component; pages few people open are downloaded only when first shown. */
export type PageLoader = () => Promise<Component>;

export interface PageRoute {
  path: string;
  label: string;
  load: PageLoader;
  access: Access;
}

/** A page that is part of the first download (what every visit needs: status, sign-in, setup). */
function bundled(component: Component): PageLoader {
  const loaded = Promise.resolve(component);
  return () => loaded;
}

/** A page in a file of its own; a failed download is tried again the next time the page is opened. */
function separate(importPage: () => Promise<{ default: Component }>): PageLoader {
  let loading: Promise<Component> | undefined;
  return () => {
    loading ??= importPage().then(
      (module) => module.default,
      (error: unknown) => {
        loading = undefined;
        throw error;
      },
    );
    return loading;
  };
}

export const STATUS_PATH = '/status';
export const SIGN_IN_PATH = '/sign-in';
export const SETUP_PATH = '/setup';
export const ACCOUNT_PATH = '/account';
export const TUNNEL_PATH = '/tunnel';
export const DEVICES_PATH = '/devices';
export const REMOTE_ACCESS_PATH = '/remote-access';
/** Where a session lands whose password was reset from the recovery console. */
export const NEW_PASSWORD_PATH = '/new-password';

/** The pages of the main navigation, in order; admin pages are left out of a viewer's menu. */
export const pages: readonly PageRoute[] = [
  { path: STATUS_PATH, label: 'Status', load: bundled(StatusPage), access: 'signed-in' },
  {
    path: TUNNEL_PATH,
    label: 'Tunnel',
    load: separate(() => import('../../routes/TunnelPage.svelte')),
    access: 'signed-in',
  },
  {
    path: DEVICES_PATH,
    label: 'Devices',
    load: separate(() => import('../../routes/DevicesPage.svelte')),
    access: 'signed-in',
  },
  {
    path: REMOTE_ACCESS_PATH,
    label: 'Remote access',
    load: separate(() => import('../../routes/RemoteAccessPage.svelte')),
    access: 'signed-in',
  },
  { path: '/users', label: 'Users', load: separate(() => import('../../routes/UsersPage.svelte')), access: 'admin' },
  {
    path: '/certificates',
    label: 'Certificates',
    load: separate(() => import('../../routes/CertificatesPage.svelte')),
    access: 'signed-in',
  },
  { path: '/backups', label: 'Backups', load: bundled(BackupsPage), access: 'signed-in' },
  { path: '/system', label: 'System', load: bundled(SystemPage), access: 'signed-in' },
  {
    path: '/audit',
    label: 'Audit log',
    load: separate(() => import('../../routes/AuditPage.svelte')),
    access: 'admin',
  },
  // Also reached through the name in the header; listed here so nobody has to guess that the name is a link.
  {
    path: ACCOUNT_PATH,
    label: 'My account',
    load: separate(() => import('../../routes/AccountPage.svelte')),
    access: 'signed-in',
  },
];

/** Pages outside the menu. */
const otherPages: readonly PageRoute[] = [
  { path: SIGN_IN_PATH, label: 'Sign in', load: bundled(SignInPage), access: 'public' },
  { path: SETUP_PATH, label: 'Set up', load: bundled(SetupPage), access: 'public' },
  {
    path: NEW_PASSWORD_PATH,
    label: 'Choose a new password',
    load: separate(() => import('../../routes/NewPasswordPage.svelte')),
    access: 'signed-in',
  },
];

const notFound: PageRoute = { path: '', label: 'Not found', load: bundled(NotFoundPage), access: 'signed-in' };

/** `/` is the Status page; a trailing slash is ignored; anything else unknown is "not found". */
export function resolveRoute(pathname: string): PageRoute {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  if (path === '/' || path === '') {
    return pages[0] ?? notFound;
  }
  return pages.find((page) => page.path === path) ?? otherPages.find((page) => page.path === path) ?? notFound;
}

/** The menu for a signed-in user: everything an admin may open, without the admin pages for a viewer. */
export function navigationFor(isAdmin: boolean): readonly PageRoute[] {
  return isAdmin ? pages : pages.filter((page) => page.access !== 'admin');
}
