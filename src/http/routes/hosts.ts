import { Router } from 'express';
import type { Knex } from 'knex';
import { requireKind, visibleSites } from '../../auth/authorize';
import type { UserPrincipal } from '../../auth/principal';
import { NotFoundError } from '../../errors';
import { countHosts, type HostFilter, listHosts } from '../../repositories/host-queries';
import { presentHost } from '../presenters/host';
import type { Evaluator } from '../../status/evaluator';
import { hostSecurity } from '../../status/host-security';
import { listHostsQuery, showHostQuery } from '../schemas/hosts';
import { validate } from '../validate';

const HOUR = 3_600_000;

export function hostRoutes({ db, evaluator }: { db: Knex; evaluator: Evaluator }): Router {
  const router = Router();
  router.use('/api/v1/hosts', requireKind('user'));

  router.get('/api/v1/hosts', async (req, res) => {
    const query = validate(listHostsQuery, req.query);
    const now = Date.now();
    const filter: HostFilter = {
      sites: visibleSites(req.principal as UserPrincipal),
      site: query.site,
      osGroup: query.osGroup,
      status: query.status,
      reportedSince: query.reportedWithinHours ? new Date(now - query.reportedWithinHours * HOUR) : undefined,
      reportedBefore: query.notReportedForHours ? new Date(now - query.notReportedForHours * HOUR) : undefined,
    };
    const [total, hosts] = await Promise.all([
      countHosts(db, filter),
      listHosts(db, filter, { limit: query.perPage, offset: (query.page - 1) * query.perPage }),
    ]);
    res.json({ total, page: query.page, perPage: query.perPage, hosts: hosts.map(presentHost) });
  });

  router.get('/api/v1/hosts/:hostname', async (req, res) => {
    const query = validate(showHostQuery, req.query);
    const hostname = String(req.params.hostname).toLowerCase();
    const hosts = await listHosts(db, { sites: visibleSites(req.principal as UserPrincipal), site: query.site, hostname }, { limit: 50, offset: 0 });
    if (hosts.length === 0) throw new NotFoundError(`no host named ${hostname}${query.site ? ` at site ${query.site}` : ''} that you may see`);
    // One name can exist at several sites, and as unverified hosts from several addresses.
    res.json(hosts.length === 1 ? { host: presentHost(hosts[0]) } : { host: presentHost(hosts[0]), others: hosts.slice(1).map(presentHost) });
  });

  // The host's CVEs and pending updates (the first host of that name when it exists at several sites; ?site= picks one).
  router.get('/api/v1/hosts/:hostname/cves', async (req, res) => {
    const query = validate(showHostQuery, req.query);
    const hostname = String(req.params.hostname).toLowerCase();
    const [host] = await listHosts(db, { sites: visibleSites(req.principal as UserPrincipal), site: query.site, hostname }, { limit: 1, offset: 0 });
    if (!host) throw new NotFoundError(`no host named ${hostname}${query.site ? ` at site ${query.site}` : ''} that you may see`);
    const security = await hostSecurity(db, evaluator, host.id);
    res.json({ host: presentHost(host), ...security });
  });
  return router;
}
