import type { Knex } from 'knex';
import { findListings } from '../repositories/listings';
import { findPeersByDn } from '../repositories/peers';
import { findRelaySites } from '../repositories/sites';
import { findUserByDn, type Role } from '../repositories/users';
import type { ClientCertificate } from './client-certificate';

interface Base {
  dn: string;
  fingerprint: string;
}
export interface HostPrincipal extends Base {
  kind: 'host';
  /** The FQDNs this certificate speaks for (SAN dNSNames, else the CN), lower case. */
  hostnames: string[];
}
export interface RelayPrincipal extends Base {
  kind: 'relay';
  sites: { id: number; name: string }[];
}
export interface UserPrincipal extends Base {
  kind: 'user';
  userId: number;
  name: string | null;
  role: Role;
  /** Names of the sites and host groups the user may see (admins and operators see all). */
  sites: string[];
  hostGroups: string[];
}
export interface PeerPrincipal extends Base {
  kind: 'peer';
  peerId: number;
  name: string;
}
export type Principal = HostPrincipal | RelayPrincipal | UserPrincipal | PeerPrincipal;

export type Resolution = { ok: true; principal: Principal } | { ok: false; code: string; reason: string };

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Certificate → principal, most specific listing first: a downstream peer
 * (DN and, when recorded, fingerprint), a user (DN in `users`), a relay (DN
 * listed for a site), and otherwise a host, if the certificate names one.
 */
export async function resolvePrincipal(db: Knex, cert: ClientCertificate): Promise<Resolution> {
  const base = { dn: cert.subjectDn, fingerprint: cert.fingerprint };
  const listings = await findListings(db, cert.subjectDn);

  const peers = (listings.has('peer') ? await findPeersByDn(db, cert.subjectDn) : []).filter((p) => p.direction === 'down' && p.enabled);
  if (peers.length) {
    const peer = peers.find((p) => !p.fingerprint || p.fingerprint.toUpperCase() === cert.fingerprint.toUpperCase());
    if (!peer) return { ok: false, code: 'peer_fingerprint_mismatch', reason: `the certificate of peer ${peers[0].name} does not have the fingerprint recorded for it` };
    return { ok: true, principal: { ...base, kind: 'peer', peerId: peer.id, name: peer.name } };
  }

  const user = listings.has('user') ? await findUserByDn(db, cert.subjectDn) : undefined;
  if (user) {
    return { ok: true, principal: { ...base, kind: 'user', userId: user.id, name: user.name, role: user.role, sites: user.sites, hostGroups: user.hostGroups } };
  }

  const relaySites = listings.has('relay') ? await findRelaySites(db, cert.subjectDn) : [];
  if (relaySites.length) return { ok: true, principal: { ...base, kind: 'relay', sites: relaySites.map(({ id, name }) => ({ id, name })) } };

  // A host certificate names its host in SAN dNSNames (IGTF host certificates
  // and ours do); failing that, a CN that is a fully qualified name counts.
  const sanNames = cert.dnsNames.filter((name) => HOSTNAME.test(name));
  const cn = cert.commonName?.toLowerCase() ?? '';
  const hostnames = sanNames.length ? sanNames : HOSTNAME.test(cn) && cn.includes('.') ? [cn] : [];
  if (hostnames.length) return { ok: true, principal: { ...base, kind: 'host', hostnames } };
  return {
    ok: false,
    code: 'unknown_subject',
    reason: `the certificate subject "${cert.subjectDn}" is not registered here as a user, a relay or a peer, and names no host`,
  };
}
