import type { Role } from '$lib/api/types';

export function roleLabel(role: Role): string {
  return role === 'admin' ? 'Admin' : 'Viewer';
}
