import { Router } from 'express';
import type { Knex } from 'knex';
import { isReachable } from '../../db';

export interface HealthDeps {
  db: Knex;
  version: string;
  startedAt: Date;
}

/** GET /healthz: for load balancers and monitoring; 503 when the database does not answer. */
export function healthRoutes({ db, version, startedAt }: HealthDeps): Router {
  const router = Router();
  router.get('/healthz', async (_req, res) => {
    const reachable = await isReachable(db);
    res.status(reachable ? 200 : 503).json({
      status: reachable ? 'ok' : 'degraded',
      version,
      database: { reachable },
      uptimeSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
    });
  });
  return router;
}
