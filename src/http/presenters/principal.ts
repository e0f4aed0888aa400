import type { Principal } from '../../auth/principal';

/** What a client may learn about itself: who the server takes it for. */
export function presentPrincipal(principal: Principal) {
  const common = { kind: principal.kind, dn: principal.dn, fingerprint: principal.fingerprint };
  switch (principal.kind) {
    case 'host':
      return { ...common, hostnames: principal.hostnames };
    case 'relay':
      return { ...common, sites: principal.sites.map((s) => s.name) };
    case 'user':
      return { ...common, name: principal.name, role: principal.role, sites: principal.sites, hostGroups: principal.hostGroups };
    case 'peer':
      return { ...common, name: principal.name };
  }
}
