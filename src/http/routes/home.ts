import { Router } from 'express';
import { requireKind } from '../../auth/authorize';
import { respond } from '../respond';
import type { ViewEngine } from '../views';

/** The start page. Later areas (hosts, CVEs, sites) link from here. */
export function homeRoutes({ views, version }: { views: ViewEngine; version: string }): Router {
  const router = Router();
  router.get('/', requireKind('user'), (req, res) => {
    respond(req, res, views, 'home/index', { title: 'Patchscope', version });
  });
  return router;
}
