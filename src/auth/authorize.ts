import type { RequestHandler } from 'express';
import { AuthenticationError, ForbiddenError } from '../errors';
import type { Role } from '../repositories/users';
import type { Principal, UserPrincipal } from './principal';

function principalOf(req: Parameters<RequestHandler>[0]): Principal {
  if (!req.principal) throw new AuthenticationError('Refused: no client certificate was presented.');
  return req.principal;
}

/** Only these kinds of principal may pass (e.g. people for pages, hosts for reports). */
export function requireKind(...kinds: Principal['kind'][]): RequestHandler {
  return (req, _res, next) => {
    const principal = principalOf(req);
    if (!kinds.includes(principal.kind)) {
      return next(new ForbiddenError(`a ${principal.kind} certificate may not use this; it needs a ${kinds.join(' or ')} certificate`));
    }
    next();
  };
}

/** A user with one of these roles (admin always passes). */
export function requireRole(...roles: Role[]): RequestHandler {
  return (req, _res, next) => {
    const principal = principalOf(req);
    if (principal.kind !== 'user') return next(new ForbiddenError(`this needs a personal certificate; a ${principal.kind} certificate may not use it`));
    if (principal.role !== 'admin' && !roles.includes(principal.role)) {
      return next(new ForbiddenError(`this needs the role ${roles.join(' or ')}; your role is ${principal.role}`));
    }
    next();
  };
}

/** The sites a user may see: undefined for all (admins and operators), else the sites of their scope. */
export function visibleSites(user: UserPrincipal): string[] | undefined {
  return user.role === 'admin' || user.role === 'operator' ? undefined : user.sites;
}

/**
 * Whether this principal may send a report for `hostname` at `site`: a host
 * only for a name its certificate carries; a relay only for hosts of a site
 * it is listed for (Pakiti's proxy mode). Throws ForbiddenError otherwise.
 */
export function authorizeReport(principal: Principal, report: { hostname: string; site: string | null }): void {
  const hostname = report.hostname.toLowerCase();
  if (principal.kind === 'host') {
    if (!principal.hostnames.includes(hostname)) {
      throw new ForbiddenError(`this certificate is for ${principal.hostnames.join(', ')}; it may not report for ${report.hostname}`);
    }
    return;
  }
  if (principal.kind === 'relay') {
    const names = principal.sites.map((s) => s.name);
    if (!report.site || !names.includes(report.site)) {
      throw new ForbiddenError(`this relay reports for site ${names.join(', ')}; it may not report for ${report.site ? `site ${report.site}` : 'a report without a site'}`);
    }
    return;
  }
  throw new ForbiddenError(`a ${principal.kind} certificate may not send host reports`);
}
