import { Router } from 'express';
import type { Knex } from 'knex';
import { requireKind, visibleSites } from '../../auth/authorize';
import type { UserPrincipal } from '../../auth/principal';
import { NotFoundError } from '../../errors';
import { cveDetail, exposedCves } from '../../status/cve-queries';
import type { Evaluator } from '../../status/evaluator';
import { cveIdParam, listCvesQuery } from '../schemas/cves';
import { validate } from '../validate';

/** The sites a person may see, narrowed to one when asked (an unseen site yields nothing). */
export function scopedSites(user: UserPrincipal, site: string | undefined): string[] | undefined {
  const visible = visibleSites(user);
  if (site === undefined) return visible;
  return visible === undefined || visible.includes(site) ? [site] : [];
}

/** CVEs across the hosts a person may see (DESIGN.md §8). */
export function cveRoutes({ db, evaluator }: { db: Knex; evaluator: Evaluator }): Router {
  const router = Router();
  router.use('/api/v1/cves', requireKind('user'));

  router.get('/api/v1/cves', async (req, res) => {
    const query = validate(listCvesQuery, req.query);
    const all = await exposedCves(db, evaluator, {
      sites: scopedSites(req.principal as UserPrincipal, query.site),
      tag: query.tag,
      severity: query.severity,
      kev: query.kev,
      fixAvailable: query.fixAvailable,
    });
    const start = (query.page - 1) * query.perPage;
    res.json({ total: all.length, page: query.page, perPage: query.perPage, cves: all.slice(start, start + query.perPage) });
  });

  router.get('/api/v1/cves/:id', async (req, res) => {
    const id = validate(cveIdParam, req.params.id).toUpperCase();
    const detail = await cveDetail(db, evaluator, id, visibleSites(req.principal as UserPrincipal));
    if (!detail) throw new NotFoundError(`no CVE ${id} in the loaded advisories`);
    res.json({ cve: detail });
  });
  return router;
}
